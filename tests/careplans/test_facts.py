"""The facts contract: bad or contradictory facts are refused, each problem named."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from lantern.careplans.protocols import FIELDS, Facts, FactsError, parse_facts
from tests.careplans.builders import BASE, json_facts


def refused(data: object) -> dict[str, str]:
    with pytest.raises(FactsError) as error:
        parse_facts(data)
    return dict(error.value.problems)


def test_the_contract_has_the_fields_of_the_issue_and_the_sti_signs():
    assert list(FIELDS) == [
        "assessed_at",
        "exposure_at",
        "exposure_approximate",
        "age_years",
        "sex_at_birth",
        "pregnant",
        "hiv_status",
        "hiv_test_generation",
        "npep_started_at",
        "ec_given",
        "prophylaxis_given",
        "hbv_immune",
        "hbv_vaccine_doses",
        "hpv_vaccine_doses",
        "chronic_conditions",
        "positive_screens",
        "sti_signs",
    ]


def test_facts_written_before_sti_signs_existed_still_read_as_no_signs():
    data = json_facts()
    del data["sti_signs"]
    assert parse_facts(data).sti_signs == ()
    assert parse_facts(json_facts(sti_signs=["warts", "sores"])).sti_signs == ("sores", "warts")


def test_an_unknown_sti_sign_is_refused_with_the_known_ones():
    assert refused(json_facts() | {"sti_signs": ["rash"]}) == {
        "sti_signs": "unknown code 'rash' (known: sores, discharge, bleeding, warts)"
    }


def test_json_facts_parse_into_the_same_facts():
    data = json.loads(json.dumps(json_facts()))
    assert parse_facts(data) == Facts(**BASE)


def test_z_for_utc_and_other_offsets_are_read():
    facts = parse_facts(json_facts() | {"assessed_at": "2026-03-09T14:00:00Z"})
    assert facts.assessed_at.utcoffset().total_seconds() == 0


def test_unknown_and_missing_fields_are_each_named():
    data = json_facts() | {"hiv_stat": "negative", "notes": "x"}
    del data["hiv_status"]
    assert refused(data) == {
        "hiv_stat": "unknown fact",
        "notes": "unknown fact",
        "hiv_status": "missing",
    }


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        (
            "assessed_at",
            "2026-03-09T10:00:00",
            "must be an ISO 8601 date and time with a UTC offset",
        ),
        ("assessed_at", "2026-03-09", "must be an ISO 8601 date and time with a UTC offset"),
        ("assessed_at", "yesterday", "must be an ISO 8601 date and time with a UTC offset"),
        ("assessed_at", None, "must not be null"),
        ("exposure_at", 1741500000, "must be an ISO 8601 date and time with a UTC offset"),
        ("exposure_approximate", "no", "must be true or false"),
        ("exposure_approximate", None, "must not be null"),
        ("age_years", "24", "must be a whole number"),
        ("age_years", 24.5, "must be a whole number"),
        ("age_years", True, "must be a whole number"),
        ("age_years", -1, "must be between 0 and 130"),
        ("age_years", 131, "must be between 0 and 130"),
        ("sex_at_birth", "f", "must be female, male, intersex"),
        ("pregnant", "unknown", "must be true or false or null"),
        ("pregnant", 0, "must be true or false or null"),
        ("hiv_status", "negatve", "must be negative, positive, unknown"),
        ("hiv_test_generation", 5, "must be 3, 4 or null"),
        ("hiv_test_generation", "4", "must be 3, 4 or null"),
        ("hiv_test_generation", True, "must be 3, 4 or null"),
        ("ec_given", 1, "must be true or false"),
        ("hbv_immune", "yes", "must be true or false or null"),
        ("hbv_vaccine_doses", 11, "must be between 0 and 10"),
        ("hpv_vaccine_doses", None, "must not be null"),
        ("chronic_conditions", "diabetes", "must be a list of codes"),
        ("chronic_conditions", ["Diabetes"], "'Diabetes' is not a code"),
        ("positive_screens", ["phq-9"], "unknown code 'phq-9' (known: phq9, phq2, gad7"),
        ("positive_screens", [3], "must be a list of codes"),
    ],
)
def test_wrong_types_and_values_are_named(field, value, reason):
    problems = refused(json_facts() | {field: value})
    assert list(problems) == [field]
    assert problems[field].startswith(reason)


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        (
            {"sex_at_birth": "male", "pregnant": True},
            "pregnant",
            "is true but sex_at_birth is male",
        ),
        (
            {"exposure_at": "2026-03-09T10:00:01-04:00"},
            "exposure_at",
            "is after assessed_at: the exposure cannot follow the assessment",
        ),
        (
            {"exposure_at": None, "exposure_approximate": True},
            "exposure_approximate",
            "is true but exposure_at is null (an unknown time)",
        ),
        (
            {"npep_started_at": "2026-03-09T11:00:00-04:00"},
            "npep_started_at",
            "is after assessed_at: record nPEP once it has been started",
        ),
        (
            {"npep_started_at": "2026-03-08T21:00:00-04:00"},
            "npep_started_at",
            "is before exposure_at: nPEP follows the exposure",
        ),
    ],
)
def test_contradictions_are_named(changes, field, reason):
    assert refused(json_facts() | changes) == {field: reason}


def test_an_exposure_in_another_offset_is_compared_as_an_instant():
    # 10:30 at -03:00 is 09:30 at -04:00: before the assessment, so accepted.
    parse_facts(json_facts() | {"exposure_at": "2026-03-09T10:30:00-03:00"})
    assert refused(json_facts() | {"exposure_at": "2026-03-09T10:30:00-05:00"}) == {
        "exposure_at": "is after assessed_at: the exposure cannot follow the assessment"
    }


def test_intersex_and_pregnant_is_not_a_contradiction():
    assert parse_facts(json_facts() | {"sex_at_birth": "intersex", "pregnant": True}).pregnant


def test_every_problem_is_named_at_once():
    data = json_facts() | {
        "sex_at_birth": "male",
        "pregnant": True,
        "age_years": "x",
        "exposure_at": "2027-01-01T00:00:00-04:00",
        "colour": "red",
    }
    assert set(refused(data)) == {"colour", "age_years", "exposure_at", "pregnant"}


def test_facts_must_be_an_object():
    assert refused([json_facts()]) == {"facts": "must be a JSON object"}


def test_facts_built_in_python_are_checked_too():
    with pytest.raises(FactsError) as error:
        Facts(**(BASE | {"assessed_at": datetime(2026, 3, 9, 10), "sex_at_birth": "woman"}))
    assert error.value.fields == ("assessed_at", "sex_at_birth")


def test_code_lists_are_kept_sorted_and_unique():
    facts = Facts(**(BASE | {"positive_screens": ["phq9", "asq", "phq9"]}))
    assert facts.positive_screens == ("asq", "phq9")


def test_as_dict_round_trips_through_json():
    facts = Facts(**(BASE | {"chronic_conditions": ["hypertension", "diabetes"]}))
    assert parse_facts(json.loads(json.dumps(facts.as_dict()))) == facts
