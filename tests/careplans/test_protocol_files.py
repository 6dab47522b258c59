"""Protocol files: deliberately broken copies are refused with the file, the place and why.

A clinic's adapted copy goes through the same checks as the shipped file, which is checked
every time it is loaded.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from lantern.careplans.protocols import (
    DATA_DIR,
    ProtocolFileError,
    dump_protocol,
    get_protocol,
    load_protocol,
    load_protocol_file,
)
from lantern.careplans.protocols.reading import parse_protocol


def shipped() -> dict:
    return json.loads((DATA_DIR / "sa-followup-v1.json").read_text(encoding="utf-8"))


def rule(data: dict, rule_id: str) -> dict:
    return next(entry for entry in data["rules"] if entry["id"] == rule_id)


def activity(data: dict, activity_id: str) -> dict:
    return next(
        entry for r in data["rules"] for entry in r["activities"] if entry["id"] == activity_id
    )


def refused(tmp_path: Path, data: object, name: str = "clinic-copy.json") -> ProtocolFileError:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ProtocolFileError) as error:
        load_protocol_file(path)
    assert error.value.name == name
    assert str(error.value).startswith(f"{name}: protocol refused:")
    return error.value


def test_every_shipped_file_loads():
    for path in sorted(DATA_DIR.glob("*.json")):
        assert load_protocol_file(path).id == path.stem


def test_a_copy_of_the_shipped_file_loads(tmp_path):
    path = tmp_path / "copy.json"
    path.write_text(json.dumps(shipped()), encoding="utf-8")
    assert load_protocol_file(path) == get_protocol("sa-followup-v1")


def test_dump_and_parse_give_the_protocol_back():
    protocol = get_protocol("sa-followup-v1")
    assert dump_protocol(protocol) == shipped()
    assert parse_protocol(dump_protocol(protocol)) == (protocol, [])


# --- Windows ------------------------------------------------------------------------------


def test_overlapping_windows_of_one_code_in_a_rule(tmp_path):
    data = shipped()
    activity(data, "hiv-retest-4th-12w")["earliest"] = "5w"
    error = refused(tmp_path, data)
    assert (error.where, error.reason) == (
        "rule hiv-retests-4th-generation, activity hiv-retest-4th-12w",
        "window overlaps activity 'hiv-retest-4th-4-6w' (both hiv-retest from exposure): "
        "one hiv-retest per window",
    )


def test_overlapping_windows_across_rules_that_can_apply_together(tmp_path):
    data = shipped()
    rule(data, "hbv-one-dose")["when"][1] = {"fact": "hbv_vaccine_doses", "in": [0, 1]}
    error = refused(tmp_path, data)
    assert error.where == "rule hbv-one-dose, activity hbv-after-1-dose-2"
    assert error.reason.startswith("window overlaps activity 'hbv-series-1'")


def test_same_windows_in_rules_that_exclude_each_other_are_fine():
    # Two HPV series start "now", but no patient is both under 15 without HIV and 15+ or
    # living with HIV: the validator proves the rules exclusive.
    protocol = get_protocol("sa-followup-v1")
    starts = [a for a in protocol.activities if a.id in ("hpv-2-dose-1", "hpv-3-dose-1")]
    assert [(a.earliest.text, a.latest.text) for a in starts] == [("0h", "14d")] * 2


def test_followup_exams_split_on_sti_signs_exclude_each_other(tmp_path):
    # A copy counting both follow-up exams from the exposure, with overlapping windows: fine
    # while one rule needs no signs and the other a sign, refused once the split is dropped.
    data = shipped()
    signs = rule(data, "followup-exam-sti-signs")
    signs["activities"][0] |= {"from": "exposure", "latest": "10d"}
    signs["when"] = [{"fact": "sti_signs", "contains_any": ["warts"]}]
    assert load_protocol(data).id == "sa-followup-v1"
    rule(data, "followup-exam")["when"] = []
    error = refused(tmp_path, data)
    assert error.where == "rule followup-exam-sti-signs, activity followup-exam-sti-signs"
    assert error.reason.startswith("window overlaps activity 'followup-exam'")


def test_an_empty_code_list_never_contains_a_code(tmp_path):
    data = shipped()
    rule(data, "followup-exam")["when"].append({"fact": "sti_signs", "contains_any": ["sores"]})
    error = refused(tmp_path, data)
    assert (error.where, error.reason) == (
        "rule followup-exam",
        "the conditions can never all hold: no value of 'sti_signs' fits them all",
    )


@pytest.mark.parametrize("change", ["delete", None])
def test_open_window(tmp_path, change):
    data = shipped()
    entry = activity(data, "followup-exam")
    if change == "delete":
        del entry["latest"]
    else:
        entry["latest"] = None
    error = refused(tmp_path, data)
    assert (error.where, error.reason) == (
        "rule followup-exam, activity followup-exam",
        "open window: 'latest' is missing (every window closes)",
    )


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("earliest", "1 week", "'earliest' '1 week' is not an offset"),
        ("due", "-1d", "'due' '-1d' is not an offset"),
        ("latest", "11y", "'latest' '11y' is more than ten years ahead"),
        ("latest", 14, "'latest' must be a text offset"),
        ("latest", "14 d", "'latest' '14 d' is not an offset"),
    ],
)
def test_bad_offsets(tmp_path, field, value, reason):
    data = shipped()
    activity(data, "followup-exam")[field] = value
    error = refused(tmp_path, data)
    assert error.where == "rule followup-exam, activity followup-exam"
    assert error.reason.startswith(reason)


@pytest.mark.parametrize(
    ("window", "reason"),
    [
        (("2w", "1w", "3w"), "window out of order: earliest 2w can fall after due 1w"),
        (("1w", "3w", "2w"), "window out of order: due 3w can fall after latest 2w"),
        (("1mo", "4w", "8w"), "window out of order: earliest 1mo can fall after due 4w"),
        (("0h", "eod", "12h"), "window out of order: due eod can fall after latest 12h"),
    ],
)
def test_windows_out_of_order(tmp_path, window, reason):
    data = shipped()
    entry = activity(data, "followup-exam")
    entry["earliest"], entry["due"], entry["latest"] = window
    error = refused(tmp_path, data)
    assert (error.where, error.reason) == ("rule followup-exam, activity followup-exam", reason)


def test_a_month_is_compared_at_its_shortest_and_longest():
    data = shipped()
    entry = activity(data, "followup-exam")
    entry["earliest"], entry["due"], entry["latest"] = "4w", "1mo", "30d"  # a month may be 31 days
    with pytest.raises(ProtocolFileError) as error:
        load_protocol(data)
    assert error.value.reason == "window out of order: due 1mo can fall after latest 30d"
    entry["latest"] = "31d"
    assert load_protocol(data).activities_by_id["followup-exam"].latest.text == "31d"


# --- Facts and conditions -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "reason"),
    [
        (
            {"fact": "hiv_stauts", "in": ["positive"]},
            "unknown fact 'hiv_stauts' (known: assessed_at",
        ),
        ({"fact": "sex_at_birth", "in": ["femal"]}, "'sex_at_birth' never has the value femal"),
        ({"fact": "pregnant", "in": ["true"]}, "'pregnant' never has the value true"),
        ({"fact": "hiv_test_generation", "in": [5]}, "'hiv_test_generation' never has the value 5"),
        ({"fact": "sex_at_birth", "at_least": 3}, "'sex_at_birth' cannot be tested with 'range'"),
        ({"fact": "age_years", "known": True}, "'age_years' cannot be tested with 'known'"),
        ({"fact": "age_years", "at_least": 200}, "'age_years' is between 0 and 130"),
        ({"fact": "assessed_at", "known": True}, "'assessed_at' is always known"),
        (
            {"fact": "positive_screens", "contains_any": ["phq8"]},
            "'positive_screens' has no code 'phq8'",
        ),
        ({"fact": "age_years", "at_least": 30, "at_most": 20}, "at_least 30 is above at_most 20"),
        ({"fact": "sex_at_birth", "in": []}, "'in' needs at least one value"),
    ],
)
def test_bad_conditions(tmp_path, condition, reason):
    data = shipped()
    rule(data, "annual-gyn-exam")["when"].append(condition)
    error = refused(tmp_path, data)
    assert error.where == "rule annual-gyn-exam, condition 3"
    assert error.reason.startswith(reason)


def test_conditions_that_can_never_all_hold(tmp_path):
    data = shipped()
    rule(data, "annual-gyn-exam")["when"].append({"fact": "age_years", "at_most": 17})
    error = refused(tmp_path, data)
    assert (error.where, error.reason) == (
        "rule annual-gyn-exam",
        "the conditions can never all hold: no value of 'age_years' fits them all",
    )


def test_a_condition_with_two_tests(tmp_path):
    data = shipped()
    rule(data, "annual-gyn-exam")["when"][0] = {
        "fact": "sex_at_birth",
        "in": ["female"],
        "not_in": ["male"],
    }
    error = refused(tmp_path, data)
    assert error.where == "rule annual-gyn-exam, condition 1"
    assert error.reason.startswith("give exactly one test")


def test_an_any_group_needs_two_conditions(tmp_path):
    data = shipped()
    rule(data, "annual-gyn-exam")["when"].append({"any": [{"fact": "age_years", "at_least": 20}]})
    error = refused(tmp_path, data)
    assert error.reason == "an 'any' group needs at least two conditions"


# --- Activities, anchors, cycles ----------------------------------------------------------


def test_unknown_activity_code(tmp_path):
    data = shipped()
    activity(data, "followup-exam")["code"] = "follow-up-exam"
    error = refused(tmp_path, data)
    assert error.where == "rule followup-exam, activity followup-exam"
    assert error.reason.startswith("unknown activity code 'follow-up-exam' (known: hiv-npep,")


def test_cycle_between_activity_anchors(tmp_path):
    data = shipped()
    activity(data, "hbv-series-1")["from"] = {"activity": "hbv-series-3", "point": "due"}
    error = refused(tmp_path, data)
    assert (error.where, error.reason) == (
        "rule hbv-unvaccinated, activity hbv-series-1",
        "anchors form a cycle: hbv-series-1 -> hbv-series-3 -> hbv-series-1",
    )


def test_cycle_through_a_minimum_interval(tmp_path):
    data = shipped()
    activity(data, "hbv-series-1")["minimum_intervals"] = [
        {"after": "hbv-series-2", "interval": "1d"}
    ]
    error = refused(tmp_path, data)
    assert "anchors form a cycle: hbv-series-1 -> hbv-series-2 -> hbv-series-1" in [
        reason for _where, reason in error.problems
    ]


@pytest.mark.parametrize(
    ("anchor", "reason"),
    [
        ("onset", "counts from unknown event 'onset' (exposure, assessment, npep_started)"),
        ({"activity": "hbv-series-9"}, "counts from unknown activity 'hbv-series-9'"),
        (
            {"activity": "hbv-series-1", "point": "middle"},
            "unknown point 'middle' (earliest, due, latest)",
        ),
        ({"activity": "hbv-series-2"}, "an activity cannot count from itself"),
        (
            "npep_started",
            "counts from npep_started: the rule needs the condition "
            '{"fact": "npep_started_at", "known": true}',
        ),
    ],
)
def test_bad_anchors(tmp_path, anchor, reason):
    data = shipped()
    activity(data, "hbv-series-2")["from"] = anchor
    error = refused(tmp_path, data)
    assert ("rule hbv-unvaccinated, activity hbv-series-2", reason) in error.problems


def test_minimum_interval_after_an_activity_of_another_rule(tmp_path):
    data = shipped()
    activity(data, "hbv-series-2")["minimum_intervals"] = [{"after": "hiv-npep", "interval": "1d"}]
    error = refused(tmp_path, data)
    assert error.reason == "minimum interval after 'hiv-npep', not an activity of this rule"


@pytest.mark.parametrize(
    ("change", "where", "reason"),
    [
        ("rule", "rule followup-exam", "duplicate rule id"),
        ("activity", "activity annual-physical", "duplicate activity id (2 activities share it)"),
        ("source", "source a1", "duplicate source id (2 sources share it)"),
    ],
)
def test_duplicate_ids(tmp_path, change, where, reason):
    data = shipped()
    if change == "rule":
        data["rules"].append(copy.deepcopy(rule(data, "followup-exam")))
    elif change == "activity":
        rule(data, "annual-gyn-exam")["activities"][0]["id"] = "annual-physical"
    else:
        data["sources"].append(copy.deepcopy(data["sources"][0]))
    assert (where, reason) in refused(tmp_path, data).problems


# --- Sources and clinical review ----------------------------------------------------------


def test_missing_source(tmp_path):
    data = shipped()
    del activity(data, "followup-exam")["source"]
    error = refused(tmp_path, data)
    assert (error.where, error.reason) == (
        "rule followup-exam, activity followup-exam",
        "missing field 'source'",
    )


def test_unknown_source(tmp_path):
    data = shipped()
    data["sources"] = [s for s in data["sources"] if s["id"] != "d1"]
    data["needs_clinical_review"] = [
        n for n in data["needs_clinical_review"] if n["source"] != "d1"
    ]
    error = refused(tmp_path, data)
    assert (error.where, error.reason) == (
        "rule followup-exam, activity followup-exam",
        "unknown source 'd1'",
    )


def test_secondary_and_unverified_sources_need_a_review_note(tmp_path):
    data = shipped()
    data["needs_clinical_review"] = [
        n for n in data["needs_clinical_review"] if n["source"] != "a7"
    ]
    error = refused(tmp_path, data)
    assert (error.where, error.reason) == (
        "source a7",
        "level S: add a needs_clinical_review note saying what to confirm",
    )


def test_every_s_and_u_source_of_the_shipped_protocol_has_a_note():
    protocol = get_protocol("sa-followup-v1")
    noted = {note.source for note in protocol.needs_clinical_review}
    assert {s.id for s in protocol.sources if s.level in "SU"} == noted
    assert protocol.needs_review


@pytest.mark.parametrize(
    ("change", "where", "reason"),
    [
        ({"level": "A"}, "source a1", "unknown level 'A' (P primary, S secondary, U unverified)"),
        ({"url": "doi.org/10.1"}, "source a1", "'doi.org/10.1' is not an http(s) address"),
    ],
)
def test_bad_sources(tmp_path, change, where, reason):
    data = shipped()
    data["sources"][0].update(change)
    assert (where, reason) in refused(tmp_path, data).problems


def test_review_note_on_an_unknown_source(tmp_path):
    data = shipped()
    data["needs_clinical_review"].append({"source": "z9", "note": "check"})
    error = refused(tmp_path, data)
    assert error.reason == "unknown source 'z9'"


@pytest.mark.parametrize(
    ("review", "reason"),
    [
        (
            {"status": "approved", "approved_by": None, "approved_on": None},
            "an approved protocol names who approved it (approved_by) and when",
        ),
        (
            {"status": "needs_clinical_review", "approved_by": "Dr Lee", "approved_on": None},
            "approved_by and approved_on are only for an approved protocol",
        ),
        ({"status": "ok", "approved_by": None, "approved_on": None}, "unknown status 'ok'"),
        (
            {"status": "approved", "approved_by": "Dr Lee", "approved_on": "9 March"},
            "'approved_on' must be a date (YYYY-MM-DD)",
        ),
    ],
)
def test_review_status(tmp_path, review, reason):
    data = shipped()
    data["review"] = review
    error = refused(tmp_path, data)
    assert error.where == "review"
    assert error.reason.startswith(reason)


# --- File shape ---------------------------------------------------------------------------


def test_unknown_field_in_an_activity(tmp_path):
    data = shipped()
    activity(data, "followup-exam")["lateest"] = "3w"
    error = refused(tmp_path, data)
    assert (error.where, error.reason) == (
        "rule followup-exam, activity followup-exam",
        "unknown field(s): lateest",
    )


def test_every_broken_activity_is_reported_not_just_the_first(tmp_path):
    data = shipped()
    activity(data, "followup-exam")["lateest"] = "3w"
    del activity(data, "annual-physical")["title"]
    error = refused(tmp_path, data)
    assert [where for where, _reason in error.problems] == [
        "rule followup-exam, activity followup-exam",
        "rule annual-physical, activity annual-physical",
    ]


@pytest.mark.parametrize(
    ("text", "reason"),
    [("{", "not valid UTF-8 JSON"), ('{"format": "lantern-protocol/2"}', "'format' must be")],
)
def test_not_a_protocol_file(tmp_path, text, reason):
    path = tmp_path / "broken.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProtocolFileError) as error:
        load_protocol_file(path)
    assert error.value.reason.startswith(reason)
    assert "broken.json" in str(error.value)


def test_a_missing_file(tmp_path):
    with pytest.raises(ProtocolFileError) as error:
        load_protocol_file(tmp_path / "nowhere.json")
    assert (error.value.where, error.value.reason) == (
        "file",
        "cannot read it: No such file or directory",
    )


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("id", "SA Follow-up", "id 'SA Follow-up' must be lower-case letters, digits and '-'"),
        ("version", "1.0", "version '1.0' must be MAJOR.MINOR.PATCH, e.g. 1.0.0"),
    ],
)
def test_id_and_version(tmp_path, field, value, reason):
    data = shipped()
    data[field] = value
    assert ("protocol", reason) in refused(tmp_path, data).problems
