"""Decision support rules: codes by age and certainty, urgent flags, minors, re-screens.

Codes: ICD-10-CM human-trafficking codes (2019 code set, effective 1 October 2018); the
7th character follows guideline I.C.19.a. PEARR: Dignity Health, HEAL Trafficking and
Pacific Survivor Center (2018). Under 18 in commercial sex = trafficking victim without
force (TVPA).
"""

from __future__ import annotations

import pytest

from lantern.screening import decision_support as ds


def concern(**extra):
    return {
        "instrument_id": "lantern-indicators",
        "category": "trafficking",
        "positive": False,
        "flags": [{"code": "concern", "severity": "concern"}],
        **extra,
    }


def labour(**extra):
    return concern(
        flags=[{"code": "labor_indicators", "severity": "concern"}],
        **extra,
    )


@pytest.mark.parametrize(
    ("age", "suggested", "offered"),
    [
        (30, "T76.51", {"T76.51", "T74.51", "Z91.42", "Z62.813", "Z04.81"}),
        (18, "T76.51", {"T76.51", "T74.51", "Z91.42", "Z62.813", "Z04.81"}),
        (17, "T76.52", {"T76.52", "T74.52", "Z62.813", "Z04.81"}),
        (
            None,
            "T76.52",
            {"T76.51", "T76.52", "T74.51", "T74.52", "Z91.42", "Z62.813", "Z04.81"},
        ),
    ],
)
def test_codes_follow_age_and_are_only_suggested(age, suggested, offered):
    advice = ds.advise([concern()], age)
    assert {option.code for option in advice.codes} == offered
    assert [option.code for option in advice.codes if option.suggested] == [suggested]
    assert advice.codes[0].certainty == "suspected"


def test_the_history_codes_follow_the_age_at_exploitation():
    # Z62.813 is exploitation in childhood: the only history code for a minor. Z91.42 (in
    # adulthood) and Z62.813 are both possible for an adult.
    adult = {o.code: o for o in ds.advise([concern()], 40).codes if o.certainty == "history"}
    minor = {o.code for o in ds.advise([concern()], 15).codes if o.certainty == "history"}
    assert set(adult) == {"Z91.42", "Z62.813"}
    assert minor == {"Z62.813"}
    assert adult["Z91.42"].title["en"] == "Personal history of forced labor or sexual exploitation"
    assert not adult["Z91.42"].seventh


def test_the_ruled_out_codes_carry_their_official_titles():
    codes = {
        option.code: option for option in ds.code_options(minor=False, families=("sexual", "labor"))
    }
    assert codes["Z04.81"].certainty == "ruled_out"
    assert codes["Z04.81"].title["en"] == (
        "Encounter for examination and observation of victim following forced sexual exploitation"
    )
    assert codes["Z04.82"].title["en"] == (
        "Encounter for examination and observation of victim following forced labor exploitation"
    )
    assert not codes["Z04.81"].seventh


@pytest.mark.parametrize(
    ("age", "suggested", "labour_codes"),
    [
        (30, "T76.61", {"T76.61", "T74.61", "Z04.82"}),
        (16, "T76.62", {"T76.62", "T74.62", "Z04.82"}),
    ],
)
def test_labour_indicators_offer_the_forced_labour_codes(age, suggested, labour_codes):
    advice = ds.advise([labour()], age)
    assert advice.trafficking_concern
    offered = {option.code for option in advice.codes}
    assert labour_codes <= offered
    assert [option.code for option in advice.codes if option.suggested] == [suggested]
    assert not offered & {"T76.51", "T76.52", "Z04.81"}  # nothing points to sexual exploitation


def test_labour_and_sexual_indicators_offer_both_sexual_first():
    both = concern(
        flags=[
            {"code": "concern", "severity": "concern"},
            {"code": "sexual_indicators", "severity": "info"},
            {"code": "labor_indicators", "severity": "concern"},
        ]
    )
    codes = [option.code for option in ds.advise([both], 30).codes]
    assert codes[0] == "T76.51"
    assert {"T76.51", "T76.61", "T74.51", "T74.61", "Z04.81", "Z04.82"} <= set(codes)


def test_a_key_sign_with_labour_indicators_suggests_labour_and_keeps_sexual_codes():
    signs = concern(
        flags=[
            {"code": "concern", "severity": "concern"},
            {"code": "labor_indicators", "severity": "concern"},
        ]
    )
    codes = [option.code for option in ds.advise([signs], 30).codes]
    assert codes[0] == "T76.61"
    assert "T76.51" in codes


@pytest.mark.parametrize(
    ("phase", "recorded"),
    [("active", "T76.51XA"), ("after", "T76.51XD"), ("sequela", "T76.51XS")],
)
def test_the_seventh_character_follows_the_phase_of_care(phase, recorded):
    # ICD-10-CM guidelines I.C.19.a: A for every encounter in active treatment, D once it
    # ended (healing or recovery), S for a condition that results from it.
    assert ds.with_seventh("T76.51", phase) == recorded


def test_active_treatment_keeps_a_even_after_an_earlier_code():
    # The guideline ties "A" to active treatment, not to the first time a code is recorded.
    assert ds.encounter_character("active") == "A"
    assert ds.encounter_character("after") == "D"
    assert ds.encounter_character("sequela") == "S"


def test_codes_without_a_seventh_character_stay_as_listed():
    assert ds.with_seventh("Z04.81", "active") == "Z04.81"
    assert ds.with_seventh("Z91.42", "after") == "Z91.42"


def test_each_phase_quotes_its_guideline():
    phases = ds.encounter_phases()
    assert set(phases) == {"active", "after", "sequela"}
    assert "active treatment" in phases["active"]["guideline"]
    assert "I.C.19.a" in ds.code_table()["seventh_character"]["source"]


def test_no_concern_means_no_codes():
    advice = ds.advise(
        [{"instrument_id": "phq-9", "category": "mental_health", "positive": True, "flags": []}], 30
    )
    assert advice.codes == ()
    assert advice.trafficking_concern is False


def test_a_positive_validated_trafficking_screen_is_a_concern():
    advice = ds.advise(
        [{"instrument_id": "raft", "category": "trafficking", "positive": True, "flags": []}], 25
    )
    assert advice.trafficking_concern


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ([{"code": "suicide_risk", "severity": "urgent"}], (("phq-9", "suicide_risk"),)),
        ([{"code": "imminent_risk", "severity": "imminent"}], (("phq-9", "imminent_risk"),)),
        ([{"code": "something", "severity": "info"}], ()),
        ([], ()),
    ],
)
def test_urgent_and_imminent_flags_need_acknowledgement(flags, expected):
    advice = ds.advise(
        [{"instrument_id": "phq-9", "category": "mental_health", "flags": flags}], 40
    )
    assert advice.urgent_flags == expected


@pytest.mark.parametrize(("age", "pathway"), [(15, True), (None, True), (18, False), (45, False)])
def test_minor_pathway_applies_under_18_and_when_age_is_unknown(age, pathway):
    assert ds.advise([concern()], age).minor_pathway is pathway


def test_minor_pathway_needs_a_concern():
    assert ds.advise([], 15).minor_pathway is False


@pytest.mark.parametrize(
    ("previous", "current", "change"),
    [(None, 5, "first"), (5, 9, "higher"), (9, 5, "lower"), (5, 5, "same")],
)
def test_a_rescreen_is_compared_with_the_previous_total(previous, current, change):
    before = None if previous is None else {"total": previous}
    assert ds.compare(before, {"total": current}) == change


def test_the_code_table_names_its_source_and_version():
    table = ds.code_table()
    assert "2018" in table["source"]
    assert "2019" in table["source"]
    assert table["version"]
