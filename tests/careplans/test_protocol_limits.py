"""Protocol files past Lantern's size limits are refused with the file, the place and the
limit, by ``lantern protocols check`` and on the clinical lead's page alike: never a crash,
never minutes of work, never a date that overflows."""

from __future__ import annotations

import copy
import html
import itertools
import json
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from lantern.careplans import protocols
from lantern.careplans.models import ClinicProtocol
from lantern.careplans.protocols import DATA_DIR, LIMITS
from tests.careplans.builders import json_facts
from tests.clients import signed_in

SHIPPED = json.loads((DATA_DIR / "sa-followup-v1.json").read_text(encoding="utf-8"))
LAST = SHIPPED["rules"][-1]["id"]  # the rule the tests fill with activities
DEEP = "[" * 100_000 + "]" * 100_000


def shipped() -> dict:
    return copy.deepcopy(SHIPPED)


def last_rule(data: dict) -> dict:
    return data["rules"][-1]


def numbered_activities(data: dict, count: int, **fields: object) -> list[dict]:
    """``count`` copies of the last rule's activity, each with its own id and window."""
    template = last_rule(data)["activities"][0]
    made = []
    for index in range(count):
        activity = copy.deepcopy(template) | {"id": f"step-{index}", "minimum_intervals": []}
        activity |= {
            "from": "assessment",
            "earliest": f"{index * 2}h",
            "due": f"{index * 2}h",
            "latest": f"{index * 2 + 1}h",
        }
        made.append(activity | fields)
    return made


def check(tmp_path: Path, content: str | dict, name: str = "clinic-copy.json") -> str:
    """What ``lantern protocols check`` says about the file (it must refuse it)."""
    path = tmp_path / name
    text = content if isinstance(content, str) else json.dumps(content)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError) as error:
        call_command("protocols", "check", str(path), stdout=StringIO())
    assert error.value.returncode == 2
    message = str(error.value)
    assert message.startswith(f"{name}: protocol refused:")
    return message


# --- The file itself -----------------------------------------------------------------------


def test_a_file_past_the_size_limit_is_refused_before_it_is_read(tmp_path):
    text = json.dumps(shipped() | {"padding": "x" * LIMITS.file_bytes})
    message = check(tmp_path, text)
    assert f"file: larger than {LIMITS.file_bytes} bytes" in message


def test_deeply_nested_json_is_refused_not_a_crash(tmp_path):
    message = check(tmp_path, DEEP)
    assert f"file: objects and lists nested more than {LIMITS.json_depth} deep" in message


def test_json_nested_past_the_limit_but_readable_is_refused_too(tmp_path):
    data = shipped()
    data["rules"][0]["when"][0]["in"] = json.loads("[" * 30 + "]" * 30)
    message = check(tmp_path, data)
    assert f"nested more than {LIMITS.json_depth} deep" in message


def test_a_number_too_long_to_read_is_refused(tmp_path):
    text = json.dumps(shipped()).replace('"at_least": 9', '"at_least": ' + "9" * 5000, 1)
    assert "9" * 5000 in text
    message = check(tmp_path, text)
    assert "file: not valid UTF-8 JSON" in message


# --- Counts --------------------------------------------------------------------------------


def test_too_many_rules(tmp_path):
    data = shipped()
    data["rules"] = [last_rule(data) | {"id": f"rule-{n}"} for n in range(LIMITS.rules + 1)]
    assert f"protocol: 'rules' has {LIMITS.rules + 1} entries: at most {LIMITS.rules}" in (
        check(tmp_path, data)
    )


def test_too_many_activities_in_one_rule(tmp_path):
    data = shipped()
    last_rule(data)["activities"] = numbered_activities(data, LIMITS.activities_per_rule + 1)
    assert (
        f"rule {LAST}: 'activities' has {LIMITS.activities_per_rule + 1} entries: "
        f"at most {LIMITS.activities_per_rule}"
    ) in check(tmp_path, data)


def test_too_many_activities_in_all(tmp_path):
    data = shipped()
    per_rule = LIMITS.activities_per_rule
    steps = numbered_activities(data, LIMITS.activities + per_rule)
    data["rules"] = [
        last_rule(data)
        | {"id": f"rule-{n}", "activities": steps[n * per_rule : (n + 1) * per_rule]}
        for n in range(len(steps) // per_rule)
    ]
    assert f"rules: {len(steps)} activities in all: at most {LIMITS.activities}" in check(
        tmp_path, data
    )


def test_too_many_conditions_values_and_intervals(tmp_path):
    data = shipped()
    rule = data["rules"][0]
    rule["when"] = [{"fact": "age_years", "at_least": 1}] * (LIMITS.conditions_per_rule + 1)
    data["rules"][1]["when"][0] = {
        "fact": "age_years",
        "in": list(range(LIMITS.values_per_condition + 1)),
    }
    activity = last_rule(data)["activities"][0]
    activity["minimum_intervals"] = [{"after": "x", "interval": "1d"}] * (
        LIMITS.minimum_intervals + 1
    )
    message = check(tmp_path, data)
    assert f"rule npep: 'when' has {LIMITS.conditions_per_rule + 1} entries" in message
    assert f"'in' has {LIMITS.values_per_condition + 1} entries" in message
    assert f"'minimum_intervals' has {LIMITS.minimum_intervals + 1} entries" in message


# --- Conditions ----------------------------------------------------------------------------


def test_an_any_group_inside_an_any_group_is_refused(tmp_path):
    data = shipped()
    inner = {"any": [{"fact": "age_years", "at_least": 1}, {"fact": "age_years", "at_most": 5}]}
    data["rules"][0]["when"].append({"any": [inner, {"fact": "age_years", "at_least": 9}]})
    assert "an 'any' group holds conditions, not other 'any' groups" in check(tmp_path, data)


def test_any_groups_that_open_into_too_many_alternatives_are_refused_at_once(tmp_path):
    data = shipped()
    pair = [{"fact": "age_years", "at_least": 1}, {"fact": "hbv_vaccine_doses", "in": [0]}]
    data["rules"][0]["when"] += [{"any": pair}] * 14  # 2**14 alternatives
    started = time.monotonic()
    message = check(tmp_path, data)
    assert time.monotonic() - started < 5
    assert (
        f"rule npep: its 'any' groups open into {2**14} alternatives: "
        f"at most {LIMITS.alternatives_per_rule}"
    ) in message


# --- Texts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("place", "field", "where"),
    [
        ("activity", "title", "rule npep, activity hiv-npep"),
        ("activity", "rationale", "rule npep, activity hiv-npep"),
        ("activity", "source", "rule npep, activity hiv-npep"),
        ("rule", "title", "rule npep"),
        ("source", "citation", "source a1"),
        ("protocol", "description", "protocol"),
    ],
)
def test_texts_longer_than_their_field_are_refused_without_repeating_them(
    tmp_path, place, field, where
):
    data = shipped()
    target = {
        "activity": data["rules"][0]["activities"][0],
        "rule": data["rules"][0],
        "source": data["sources"][0],
        "protocol": data,
    }[place]
    limit = LIMITS.chars_for(field)
    target[field] = "a" * (limit + 1)
    message = check(tmp_path, data)
    assert f"{where}: '{field}' is {limit + 1} characters long: at most {limit}" in message
    assert "a" * (limit + 1) not in message


# --- Offsets and dates ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "reason"),
    [
        ("1000000000d", "'latest' '1000000000d' is more than ten years ahead"),
        ("999999999999mo", "'latest' '999999999999...' is not an offset"),
        ("9" * 100_000 + "d", "'latest' '999999999999...' is not an offset"),
    ],
)
def test_offsets_beyond_ten_years_are_refused(tmp_path, offset, reason):
    data = shipped()
    data["rules"][0]["activities"][0]["latest"] = offset
    message = check(tmp_path, data)
    assert f"rule npep, activity hiv-npep: {reason}" in message
    assert len(message) < 2000


def chain(count: int, latest: str) -> dict:
    """Windows that each count from the end of the one before: ``count`` of them."""
    data = shipped()
    steps = numbered_activities(data, count, earliest="1h", due="1h", latest=latest)
    for before, step in itertools.pairwise(steps):
        step["from"] = {"activity": before["id"], "point": "latest"}
    last_rule(data)["activities"] = steps
    return data


def test_a_chain_of_windows_planned_past_twenty_years_is_refused(tmp_path):
    # Each window is under ten years; three in a row reach 27 years after the assessment.
    message = check(tmp_path, chain(3, "80000h"))
    assert (
        f"rule {LAST}, activity step-2: can be planned 27 years after the event its "
        f"chain of windows counts from: at most {LIMITS.plan_years}"
    ) in message


def test_the_longest_chain_allowed_plans_without_overflow(tmp_path):
    protocol = protocols.load_protocol(chain(2, "80000h"))
    facts = protocols.parse_facts(json_facts(chronic_conditions=["diabetes"]))
    planned = protocols.plan(protocol, facts)
    assert max(activity.latest for activity in planned.activities).year == 2044


def test_facts_far_in_the_future_are_refused_rather_than_overflowing():
    with pytest.raises(protocols.FactsError) as error:
        protocols.parse_facts(json_facts() | {"assessed_at": "9999-12-31T10:00:00-04:00"})
    assert ("assessed_at", "must be in the years 1900 to 2199") in error.value.problems


def test_a_protocol_at_every_limit_is_checked_quickly():
    data = shipped()
    per_rule = LIMITS.activities_per_rule
    steps = numbered_activities(data, LIMITS.activities)
    pair = [{"fact": "age_years", "at_least": 1}, {"fact": "hbv_vaccine_doses", "in": [0]}]
    data["rules"] = [
        last_rule(data)
        | {
            "id": f"rule-{n}",
            "when": [{"any": pair}] * 4 + [{"fact": "age_years", "at_most": 120}] * 16,
            "activities": steps[n * per_rule : (n + 1) * per_rule],
        }
        for n in range(LIMITS.activities // per_rule)
    ]
    started = time.monotonic()
    assert len(protocols.load_protocol(data).activities) == LIMITS.activities
    assert time.monotonic() - started < 10


# --- The clinical lead's page --------------------------------------------------------------


@pytest.fixture
def draft(personas, db):
    lead = personas.clinician
    lead.clinical_lead = True
    lead.save()
    client = signed_in(lead)
    client.post(
        reverse("careplans:protocol_copy"),
        {
            "clinic": personas.clinic.pk,
            "source": "shipped:sa-followup-v1",
            "new_id": "riverside-followup",
            "version": "1.0.0",
        },
    )
    record = ClinicProtocol.objects.get()
    return client, record


def edit(draft, text: str) -> tuple[int, str]:
    client, record = draft
    response = client.post(reverse("careplans:protocol_edit", args=[record.pk]), {"protocol": text})
    return response.status_code, html.unescape(response.content.decode())


def test_the_lead_is_told_deep_nesting_is_refused_and_nothing_is_saved(draft):
    _client, record = draft
    before = copy.deepcopy(record.data)
    status, page = edit(draft, DEEP)
    assert status == 200
    assert f"Refused: objects and lists nested more than {LIMITS.json_depth} deep" in page
    record.refresh_from_db()
    assert record.data == before


def test_the_lead_is_told_which_limit_a_protocol_passes(draft):
    _client, record = draft
    data = copy.deepcopy(record.data)
    data["rules"] = [last_rule(data) | {"id": f"rule-{n}"} for n in range(LIMITS.rules + 1)]
    status, page = edit(draft, json.dumps(data))
    assert status == 200
    assert "Not saved: the protocol was refused." in page
    assert f"'rules' has {LIMITS.rules + 1} entries: at most {LIMITS.rules}" in page


def test_the_lead_is_told_a_chain_of_windows_reaches_too_far(draft):
    _client, record = draft
    data = chain(3, "80000h") | {"id": record.protocol_id, "version": record.version}
    data["derived_from"] = record.data["derived_from"]
    status, page = edit(draft, json.dumps(data))
    assert status == 200
    assert "can be planned 27 years after the event" in page


def test_the_lead_is_told_a_huge_number_cannot_be_read(draft):
    status, page = edit(draft, '{"format": ' + "9" * 5000 + "}")
    assert status == 200
    assert "Refused: not valid UTF-8 JSON" in page


@pytest.mark.parametrize(
    ("facts", "shown"),
    [
        (DEEP, f"Refused: objects and lists nested more than {LIMITS.json_depth} deep"),
        (
            json.dumps(json_facts() | {"assessed_at": "9999-12-31T10:00:00-04:00"}),
            "must be in the years 1900 to 2199",
        ),
    ],
)
def test_a_dry_run_with_unusable_facts_says_why(draft, facts, shown):
    client, record = draft
    response = client.post(
        reverse("careplans:protocol_dry_run", args=[record.pk]), {"facts": facts}
    )
    assert response.status_code == 200
    assert shown in html.unescape(response.content.decode())
