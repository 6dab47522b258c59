"""A clinic's copy: copied under a new id, compared with the original, approved, planned."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from lantern.careplans.protocols import (
    Change,
    ProtocolFileError,
    approve_protocol,
    copy_protocol,
    diff_protocols,
    dump_protocol,
    format_diff,
    load_protocol,
    plan,
)
from tests.careplans.builders import PROTOCOL, facts


def adapted(edit) -> object:
    """The clinic's copy with ``edit`` applied to its data, loaded like a stored copy."""
    data = dump_protocol(copy_protocol(PROTOCOL, id="riverside-followup", version="1.0.0"))
    edit(data)
    return load_protocol(data, name="riverside-followup")


def activity(data: dict, activity_id: str) -> dict:
    return next(a for r in data["rules"] for a in r["activities"] if a["id"] == activity_id)


def test_a_copy_has_its_own_id_and_version_and_remembers_the_original():
    copy = copy_protocol(PROTOCOL, id="riverside-followup", version="2.1.0")
    assert (copy.id, copy.version) == ("riverside-followup", "2.1.0")
    assert str(copy.derived_from) == "sa-followup-v1 1.1.0"
    assert copy.needs_review
    assert copy.rules == PROTOCOL.rules


def test_a_copy_of_an_approved_protocol_needs_review_again():
    approved = approve_protocol(PROTOCOL, approved_by="Dr Lee", approved_on=date(2026, 3, 1))
    assert not approved.needs_review
    assert copy_protocol(approved, id="riverside-followup").needs_review


def test_a_copy_is_checked_like_a_file():
    with pytest.raises(ProtocolFileError) as error:
        copy_protocol(PROTOCOL, id="Riverside Copy")
    assert error.value.name == "Riverside Copy"
    assert error.value.where == "protocol"


def test_the_diff_of_an_unchanged_copy_shows_only_who_it_is():
    copy = copy_protocol(PROTOCOL, id="riverside-followup", version="1.1.0")
    assert diff_protocols(PROTOCOL, copy) == (
        Change("protocol", "id", "sa-followup-v1", "riverside-followup"),
        Change("protocol", "derived from", "(none)", "sa-followup-v1 1.1.0"),
    )


def test_a_changed_window_is_shown_field_by_field():
    def shorter_npep(data):
        activity(data, "hiv-npep")["latest"] = "48h"

    changes = [c for c in diff_protocols(PROTOCOL, adapted(shorter_npep)) if c.where != "protocol"]
    assert changes == [Change("rule npep, activity hiv-npep", "latest", "72h", "48h")]
    assert str(changes[0]) == "~ rule npep, activity hiv-npep: latest: 72h -> 48h"
    assert changes[0].kind == "changed"


def test_a_changed_condition_is_shown_in_words():
    def older_gyn(data):
        rule = next(r for r in data["rules"] if r["id"] == "annual-gyn-exam")
        rule["when"][1]["at_least"] = 21

    (change,) = [c for c in diff_protocols(PROTOCOL, adapted(older_gyn)) if c.field == "when"]
    assert change.where == "rule annual-gyn-exam"
    assert change.before == "sex_at_birth is female and age_years at least 18"
    assert change.after == "sex_at_birth is female and age_years at least 21"


def test_added_and_removed_rules_and_activities():
    def edit(data):
        rules = data["rules"]
        rules[:] = [r for r in rules if r["id"] != "hpv-shared-decision"]
        syphilis = next(r for r in rules if r["id"] == "syphilis-retests")
        syphilis["activities"] = syphilis["activities"][:1]
        second_visit = {
            **activity(data, "followup-exam"),
            "id": "second-followup-exam",
            "earliest": "6w",
            "due": "6w",
            "latest": "8w",
        }
        rules.append(
            {
                "id": "second-followup",
                "title": "Second follow-up visit",
                "when": [{"fact": "age_years", "at_least": 18}],
                "activities": [second_visit],
            }
        )

    changes = diff_protocols(PROTOCOL, adapted(edit))
    kinds = {(c.kind, c.where) for c in changes if c.where != "protocol"}
    assert kinds == {
        ("removed", "rule syphilis-retests, activity syphilis-retest-3mo"),
        ("removed", "rule hpv-shared-decision"),
        ("added", "rule second-followup"),
    }
    removed = next(c for c in changes if c.where.endswith("syphilis-retest-3mo"))
    assert removed.before == (
        "syphilis-retest 'Syphilis test, 3 months', 3mo to 4mo (due 3mo) from exposure"
    )
    assert "+ rule second-followup: Second follow-up visit (when age_years at least 18)" in (
        format_diff(changes).splitlines()
    )


def test_source_and_review_note_changes():
    def edit(data):
        data["sources"][0]["citation"] = "CDC nPEP guidelines, 2025 (local copy)"
        data["needs_clinical_review"].append(
            {"source": "a1", "note": "Pharmacy stocks BIC/FTC/TAF."}
        )

    changes = [c for c in diff_protocols(PROTOCOL, adapted(edit)) if c.where != "protocol"]
    assert [(c.kind, c.where, c.field) for c in changes] == [
        ("changed", "source a1", "citation"),
        ("added", "clinical review note on a1", ""),
    ]
    assert changes[1].after == "Pharmacy stocks BIC/FTC/TAF."


def test_approval_shows_in_the_diff_and_is_required_to_name_who_and_when():
    approved = approve_protocol(PROTOCOL, approved_by="Dr Lee", approved_on=date(2026, 3, 1))
    assert [str(c) for c in diff_protocols(PROTOCOL, approved)] == [
        "~ review: status: needs_clinical_review -> approved",
        "~ review: approved_by: (none) -> Dr Lee",
        "~ review: approved_on: (none) -> 2026-03-01",
    ]
    with pytest.raises(ProtocolFileError):
        approve_protocol(PROTOCOL, approved_by="", approved_on=date(2026, 3, 1))


def test_identical_protocols_have_no_diff():
    assert format_diff(diff_protocols(PROTOCOL, PROTOCOL)) == "no changes"


def test_plans_from_a_copy_record_the_copy_and_follow_its_changes():
    def shorter_npep(data):
        activity(data, "hiv-npep")["latest"] = "48h"

    copy = adapted(shorter_npep)
    original, local = plan(PROTOCOL, facts()), plan(copy, facts())
    assert (local.protocol.id, local.protocol.version) == ("riverside-followup", "1.0.0")
    npep = {
        p.protocol.id: next(a for a in p.activities if a.code == "hiv-npep")
        for p in (original, local)
    }
    assert (
        npep["sa-followup-v1"].latest - npep["riverside-followup"].latest
    ).total_seconds() == 24 * 3600


def test_a_newer_version_does_not_change_a_plan_already_made():
    made = plan(PROTOCOL, facts())
    kept = made.as_dict()
    newer = dataclasses.replace(PROTOCOL, version="1.2.0", rules=PROTOCOL.rules[:1])
    assert plan(newer, facts()).protocol.version == "1.2.0"
    assert made.as_dict() == kept
    assert made.protocol.version == "1.1.0"
