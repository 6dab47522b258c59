"""How answers are read: codes or score values, display conditions, and every refusal.

Scoring is all or nothing: missing, unknown, out-of-range or contradictory answers raise
AnswerError listing each linkId with a reason, never a partial score.
"""

from __future__ import annotations

import json

import pytest

from lantern.screening.instruments import (
    AnswerError,
    get_instrument,
    read_answer,
    score,
    visible_items,
)
from tests.screening.instrument_answers import spread

PHQ9 = get_instrument("phq-9")
PTSD = get_instrument("pc-ptsd-5")
ASQ = get_instrument("asq")


@pytest.mark.parametrize("given", ["more_than_half", 2, "2", " 2 "])
def test_an_answer_may_be_the_code_or_the_score_value(given):
    item = PHQ9.item("phq9-1")
    option, reason = read_answer(item, given)
    assert (option.code, option.score, reason) == ("more_than_half", 2, "")


def test_codes_and_score_values_give_the_same_result():
    by_value = spread(PHQ9, 17, last=1)
    by_code = {
        link_id: next(o.code for o in PHQ9.item(link_id).options if o.score == value)
        for link_id, value in by_value.items()
    }
    assert score(PHQ9, by_value) == score(PHQ9, by_code)


def test_yes_no_questions_take_true_and_false():
    result = score(
        PTSD,
        {
            "ptsd-exposure": True,
            **dict.fromkeys(["ptsd-1", "ptsd-2", "ptsd-3"], True),
            "ptsd-4": False,
            "ptsd-5": 0,
        },
    )
    assert result.total == 3
    assert dict(result.answers)["ptsd-exposure"] == "yes"


def test_true_and_false_do_not_fit_frequency_questions():
    option, reason = read_answer(PHQ9.item("phq9-1"), True)
    assert option is None
    assert "only yes/no questions" in reason


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        (4, "4 is out of range (score values 0-3)"),
        (-1, "-1 is out of range (score values 0-3)"),
        ("7", "7 is out of range (score values 0-3)"),
        ("sometimes", "unknown answer 'sometimes' (answers: not_at_all, several_days"),
        (2.5, "an answer must be an answer code or a whole-number score value"),
        (["several_days"], "an answer must be an answer code or a whole-number score value"),
    ],
)
def test_unreadable_answers_are_refused_with_the_reason(given, reason):
    answers = spread(PHQ9, 10) | {"phq9-4": given}
    with pytest.raises(AnswerError) as refused:
        score(PHQ9, answers)
    ((link_id, why),) = refused.value.problems
    assert link_id == "phq9-4"
    assert why.startswith(reason)


def test_a_score_value_shared_by_two_answers_must_be_given_as_a_code():
    checklist = get_instrument("lantern-indicators")
    answers = {i.link_id: "no" for i in checklist.items if i.answerable} | {"ind-burns": 0}
    with pytest.raises(AnswerError, match=r"ind-burns: score value 0 is ambiguous \(no, unknown\)"):
        score(checklist, answers)


def test_prefer_not_to_answer_has_no_score_value():
    # 0 is "no": declining is never a score, so it cannot be given as one.
    answers = {"asq-1": 0, "asq-2": "no", "asq-3": "no", "asq-4": "no"}
    assert score(ASQ, answers).answers[0] == ("asq-1", "no")


def test_every_problem_is_listed_in_question_order_with_unknown_linkids_last():
    answers = {"zzz": 1, "phq9-2": 9, "phq9-1": "never", "phq9-3": 1, "phq9-4": 1, "phq9-5": 1}
    with pytest.raises(AnswerError) as refused:
        score(PHQ9, answers)
    assert refused.value.problems == (
        (
            "phq9-1",
            "unknown answer 'never' (answers: not_at_all, several_days, "
            "more_than_half, nearly_every_day, declined)",
        ),
        ("phq9-2", "9 is out of range (score values 0-3)"),
        ("phq9-6", "missing required answer"),
        ("phq9-7", "missing required answer"),
        ("phq9-8", "missing required answer"),
        ("phq9-9", "missing required answer"),
        ("zzz", "unknown linkId for this instrument"),
    )
    assert "phq9-6: missing required answer" in str(refused.value)


def test_blank_answers_count_as_not_answered():
    answers = spread(PHQ9, 6) | {"phq9-difficulty": "", "phq9-9": None}
    with pytest.raises(AnswerError) as refused:
        score(PHQ9, answers)
    assert refused.value.problems == (("phq9-9", "missing required answer"),)
    answers["phq9-9"] = 0
    assert score(PHQ9, answers).answered == 9


def test_nothing_answered_lists_every_required_question():
    with pytest.raises(AnswerError) as refused:
        score(PHQ9, {})
    assert refused.value.link_ids == tuple(f"phq9-{n}" for n in range(1, 10))


def test_display_text_takes_no_answer():
    with pytest.raises(AnswerError, match="ptsd-events: this is display text"):
        score(PTSD, {"ptsd-events": "yes", "ptsd-exposure": "no"})


def test_the_error_is_plain_data_for_the_screens_and_the_command_line():
    with pytest.raises(AnswerError) as refused:
        score(ASQ, {"asq-1": "yes"})
    error = refused.value
    assert error.instrument_id == "asq"
    assert json.loads(json.dumps(error.problems)) == [
        ["asq-2", "missing required answer"],
        ["asq-3", "missing required answer"],
        ["asq-4", "missing required answer"],
        ["asq-5", "missing required answer"],
    ]


# --- Display conditions ------------------------------------------------------------------


def link_ids(items):
    return [item.link_id for item in items]


def test_ptsd_symptom_questions_appear_only_after_exposure_yes():
    assert link_ids(visible_items(PTSD, {})) == ["ptsd-events", "ptsd-exposure"]
    assert link_ids(visible_items(PTSD, {"ptsd-exposure": "no"})) == [
        "ptsd-events",
        "ptsd-exposure",
    ]
    shown = link_ids(visible_items(PTSD, {"ptsd-exposure": "yes"}))
    assert shown == [
        "ptsd-events",
        "ptsd-exposure",
        "ptsd-past-month",
        *[f"ptsd-{n}" for n in range(1, 6)],
    ]


@pytest.mark.parametrize("given", ["yes", True, 1, "1"])
def test_conditions_read_answers_in_any_accepted_form(given):
    assert "ptsd-1" in link_ids(visible_items(PTSD, {"ptsd-exposure": given}))


def test_asq_acuity_question_appears_after_any_yes_or_refusal():
    all_no = {f"asq-{n}": "no" for n in range(1, 5)}
    assert "asq-5" not in link_ids(visible_items(ASQ, all_no))
    assert "asq-5" in link_ids(visible_items(ASQ, all_no | {"asq-4": "yes"}))
    assert "asq-5" in link_ids(visible_items(ASQ, all_no | {"asq-2": "declined"}))


def test_visible_items_ignores_unreadable_answers_instead_of_raising():
    shown = link_ids(visible_items(PTSD, {"ptsd-exposure": "perhaps", "nonsense": "x"}))
    assert shown == ["ptsd-events", "ptsd-exposure"]


def test_visible_items_keeps_the_instrument_order():
    assert link_ids(visible_items(PHQ9, {})) == [item.link_id for item in PHQ9.items]


def test_result_is_frozen_and_json_ready():
    result = score(
        ASQ, {"asq-1": "yes", "asq-2": "no", "asq-3": "no", "asq-4": "no", "asq-5": "no"}
    )
    data = json.loads(json.dumps(result.as_dict()))
    assert data["instrument_id"] == "asq"
    assert data["band"]["code"] == "non_acute_positive"
    assert data["flags"][0]["message"]["es"]
    assert data["answers"]["asq-5"] == "no"
    with pytest.raises(AttributeError):
        result.total = 0  # type: ignore[misc]


def test_instruments_and_items_can_key_caches_and_sets():
    assert len({PHQ9, PTSD, PHQ9}) == 2
    assert {PHQ9.item("phq9-1"): 1}[PHQ9.item("phq9-1")] == 1


LOINC = "http://loinc.org"
LOCAL = "https://fhir.clinic.example/r4/CodeSystem/lantern-answer"


def test_published_loinc_yes_and_no_codings_are_read_as_yes_and_no():
    item = PTSD.item("ptsd-1")
    yes, reason = read_answer(item, {"system": LOINC, "code": "LA33-6"})
    no, _ = read_answer(item, {"system": LOINC, "code": "LA32-8"})
    assert (yes.code, no.code, reason) == ("yes", "no", "")


def test_a_coded_yes_answers_a_boolean_question():
    option, reason = read_answer(PTSD.item("ptsd-exposure"), {"system": LOINC, "code": "LA33-6"})
    assert (option.code, reason) == ("yes", "")


def test_lantern_local_codes_are_read_under_any_base_url():
    option, _ = read_answer(ASQ.item("asq-1"), {"system": LOCAL, "code": "declined"})
    assert option.code == "declined"


def test_codings_score_exactly_like_local_codes():
    frequency = {o.code: o.loinc for o in PHQ9.item("phq9-1").options}
    by_code = spread(PHQ9, 12, last=1)
    by_code = {
        link_id: next(o.code for o in PHQ9.item(link_id).options if o.score == value)
        for link_id, value in by_code.items()
    }
    by_coding = {
        link_id: {"system": LOINC, "code": frequency[code]} for link_id, code in by_code.items()
    }
    assert score(PHQ9, by_coding) == score(PHQ9, by_code)


@pytest.mark.parametrize(
    "coding",
    [
        {"system": LOINC, "code": "LA6571-9"},  # a frequency answer on a yes/no question
        {"system": "http://snomed.info/sct", "code": "373066001"},
        {"system": LOINC},
    ],
)
def test_a_coding_the_question_does_not_offer_is_refused(coding):
    with pytest.raises(AnswerError) as refused:
        score(PTSD, {"ptsd-exposure": True, "ptsd-1": coding})
    assert "ptsd-1" in refused.value.link_ids
