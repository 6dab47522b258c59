"""Decision support rules: codes by age and certainty, urgent flags, minors, re-screens.

Codes: ICD-10-CM human-trafficking codes effective 1 October 2018; the 7th character "A"
marks an initial encounter. PEARR: Dignity Health, HEAL Trafficking and Pacific Survivor
Center (2018). Under 18 in commercial sex = trafficking victim without force (TVPA).
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


@pytest.mark.parametrize(
    ("age", "suggested", "offered"),
    [
        (30, "T76.51XA", {"T76.51XA", "T74.51XA", "Z04.81"}),
        (18, "T76.51XA", {"T76.51XA", "T74.51XA", "Z04.81"}),
        (17, "T76.52XA", {"T76.52XA", "T74.52XA", "Z04.81"}),
        (None, "T76.52XA", {"T76.51XA", "T76.52XA", "T74.51XA", "T74.52XA", "Z04.81"}),
    ],
)
def test_codes_follow_age_and_are_only_suggested(age, suggested, offered):
    advice = ds.advise([concern()], age)
    assert {option.code for option in advice.codes} == offered
    assert [option.code for option in advice.codes if option.suggested] == [suggested]
    assert advice.codes[0].certainty == "suspected"


def test_ruled_out_code_has_no_seventh_character():
    codes = {option.code: option for option in ds.code_options(minor=False)}
    assert codes["Z04.81"].certainty == "ruled_out"


def test_labor_exploitation_codes_are_a_separate_set():
    codes = {option.code for option in ds.code_options(minor=True, labor=True)}
    assert codes == {"T76.62XA", "T74.62XA", "Z04.82"}


def test_a_later_encounter_uses_the_subsequent_character():
    assert ds.code_options(minor=False, encounter="D")[0].code == "T76.51XD"


@pytest.mark.parametrize(("coded_before", "character"), [(False, "A"), (True, "D")])
def test_the_encounter_character_follows_an_earlier_confirmed_code(coded_before, character):
    # ICD-10-CM guidelines I.C.19.a: A while in active treatment, D for care after it.
    assert ds.encounter_character(coded_before=coded_before) == character


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
    assert table["version"]
