"""What Lantern ships: the instruments, their wording, sources, languages and review notes.

Published English wording is compared with the source forms: PHQ-9 and GAD-7 (Pfizer PHQ
screeners), PC-PTSD-5 (VA National Center for PTSD, 2015; Prins et al. 2016, table 1),
ASQ (NIMH toolkit). Codes the Lantern clinical reference does not list, or marks *verify*,
must come with a note for clinical review.
"""

from __future__ import annotations

import re

import pytest

from lantern.screening.instruments import all_instruments, get_instrument

INSTRUMENTS = all_instruments()
# LOINC codes the clinical reference lists without "verify" (§3).
REFERENCE_LOINC = {"44249-1", "44261-6", "44260-8", "55757-9", "55758-7", "69737-5", "70274-6"}
FREQUENCY_ANSWERS = {"LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"}


def loinc_check_digit(number: str) -> int:
    """LOINC's mod-10 check digit (for term codes; LA answer codes are not checked)."""
    digits = number[::-1]
    odd, even = digits[0::2][::-1], digits[1::2][::-1]
    total = sum(int(d) for d in even + str(int(odd) * 2))
    return (10 - total % 10) % 10


def all_loinc(instrument):
    codes = [instrument.loinc, instrument.loinc_total]
    for item in instrument.items:
        codes.append(item.loinc)
        codes += [option.loinc for option in item.options]
    return {code for code in codes if code}


def test_the_shipped_instruments():
    assert set(INSTRUMENTS) == {
        "phq-2",
        "phq-9",
        "gad-2",
        "gad-7",
        "pc-ptsd-5",
        "asq",
        "lantern-indicators",
    }


@pytest.mark.parametrize("absent", ["c-ssrs", "cssrs", "raft", "greenbaum", "tvit", "cse-it"])
def test_unlicensed_or_unconfirmed_tools_are_not_shipped(absent):
    assert not any(absent in instrument_id for instrument_id in INSTRUMENTS)


@pytest.mark.parametrize("instrument", INSTRUMENTS.values(), ids=list(INSTRUMENTS))
def test_every_instrument_speaks_english_and_spanish_and_says_where_the_wording_comes_from(
    instrument,
):
    assert {"en", "es"} <= set(instrument.languages)
    assert set(instrument.translations) >= {"en", "es"}
    for item in instrument.items:
        assert item.text["en"].strip()
        assert item.text["es"].strip()


@pytest.mark.parametrize("instrument", INSTRUMENTS.values(), ids=list(INSTRUMENTS))
def test_unconfirmed_spanish_is_labelled_and_sent_for_review(instrument):
    note = instrument.translations["es"]
    if "Lantern translation" in note:
        assert "verify" in note
        assert any("Spanish" in text for text in instrument.needs_clinical_review)
    else:
        assert "official Spanish" in note


def test_spanish_status_per_instrument():
    official = {
        i.id for i in INSTRUMENTS.values() if "Lantern translation" not in i.translations["es"]
    }
    assert official == {"phq-9", "phq-2"}


@pytest.mark.parametrize("instrument", INSTRUMENTS.values(), ids=list(INSTRUMENTS))
def test_sources_licence_and_version_are_recorded(instrument):
    assert instrument.sources
    assert all(
        source.url is None or source.url.startswith("https://") for source in instrument.sources
    )
    assert instrument.licence
    assert instrument.licence_short
    assert re.fullmatch(r"\d+\.\d+\.\d+", instrument.version)
    assert 1990 < instrument.published_year <= 2026


@pytest.mark.parametrize("instrument", INSTRUMENTS.values(), ids=list(INSTRUMENTS))
def test_loinc_term_codes_have_valid_check_digits(instrument):
    for code in all_loinc(instrument):
        if not code.startswith("LA"):
            number, check = code.split("-")
            assert loinc_check_digit(number) == int(check), code


@pytest.mark.parametrize("instrument", INSTRUMENTS.values(), ids=list(INSTRUMENTS))
def test_codes_beyond_the_reference_come_with_a_review_note(instrument):
    notes = " ".join(instrument.needs_clinical_review)
    for code in all_loinc(instrument) - REFERENCE_LOINC:
        if code in FREQUENCY_ANSWERS:
            assert "LA6568-5..LA6571-9" in notes, code
        else:
            assert code in notes, code


def test_verify_codes_of_the_ptsd_screen_are_flagged():
    notes = " ".join(get_instrument("pc-ptsd-5").needs_clinical_review)
    for code in ("102017-1", "102012-2", "102016-3"):
        assert code in notes
    assert "verify" in notes


def test_instruments_without_confirmed_codes_ship_none():
    assert all_loinc(get_instrument("asq")) == {"LA33-6", "LA32-8"}
    gad2 = get_instrument("gad-2")
    assert gad2.loinc is None
    assert gad2.loinc_total is None


def test_sensitive_instruments_need_private_screening():
    sensitive = {i.id for i in INSTRUMENTS.values() if i.sensitive}
    assert sensitive == {"lantern-indicators", "pc-ptsd-5"}


def test_only_lanterns_checklist_is_decision_support():
    checklist = get_instrument("lantern-indicators")
    assert [i.id for i in INSTRUMENTS.values() if i.decision_support_only] == [checklist.id]
    assert checklist.category == "trafficking"
    assert checklist.threshold is None
    assert checklist.administration == ("clinician",)
    for language in ("en", "es"):
        assert "validad" in checklist.intro[language] or "validated" in checklist.intro[language]
    assert "decision support" in checklist.title["en"]
    assert "positive" not in " ".join(band.label["en"].lower() for band in checklist.bands)


def test_categories():
    assert {i.id: i.category for i in INSTRUMENTS.values()} == {
        "asq": "suicide_risk",
        "gad-2": "mental_health",
        "gad-7": "mental_health",
        "lantern-indicators": "trafficking",
        "pc-ptsd-5": "mental_health",
        "phq-2": "mental_health",
        "phq-9": "mental_health",
    }


@pytest.mark.parametrize(
    ("instrument_id", "link_id", "wording"),
    [
        (
            "phq-9",
            "phq9-9",
            "Thoughts that you would be better off dead or of hurting yourself in some way",
        ),
        ("phq-9", "phq9-1", "Little interest or pleasure in doing things"),
        ("phq-2", "phq2-2", "Feeling down, depressed, or hopeless"),
        ("gad-7", "gad7-1", "Feeling nervous, anxious, or on edge"),
        ("gad-7", "gad7-7", "Feeling afraid, as if something awful might happen"),
        ("gad-2", "gad2-2", "Not being able to stop or control worrying"),
        ("pc-ptsd-5", "ptsd-exposure", "Have you ever experienced this kind of event?"),
        ("pc-ptsd-5", "ptsd-3", "Been constantly on guard, watchful, or easily startled?"),
        ("asq", "asq-1", "In the past few weeks, have you wished you were dead?"),
        ("asq", "asq-5", "Are you having thoughts of killing yourself right now?"),
    ],
)
def test_published_english_wording(instrument_id, link_id, wording):
    assert get_instrument(instrument_id).item(link_id).text["en"] == wording


def test_ptsd_exposure_question_comes_first():
    answerable = [item.link_id for item in get_instrument("pc-ptsd-5").items if item.answerable]
    assert answerable[0] == "ptsd-exposure"


def test_official_spanish_phq9_wording():
    phq9 = get_instrument("phq-9")
    assert phq9.item("phq9-9").text["es"] == (
        "Pensamientos de que estaría mejor muerto(a) o de lastimarse de alguna manera"
    )
    assert [o.display["es"] for o in phq9.item("phq9-1").options] == [
        "Ningún día",
        "Varios días",
        "Más de la mitad de los días",
        "Casi todos los días",
        "Prefiero no responder",  # Lantern's offer, after the published answers
    ]


@pytest.mark.parametrize("instrument", INSTRUMENTS.values(), ids=list(INSTRUMENTS))
def test_thresholds_offered_to_clinics(instrument):
    expected = {
        "phq-9": (10, (10,)),
        "phq-2": (3, (2, 3)),
        "gad-7": (10, (10,)),
        "gad-2": (3, (2, 3)),
        "pc-ptsd-5": (3, (3, 4)),
        "asq": (1, (1,)),
        "lantern-indicators": (None, ()),
    }
    assert (instrument.default_threshold, instrument.allowed_thresholds) == expected[instrument.id]
