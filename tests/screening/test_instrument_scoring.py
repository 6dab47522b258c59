"""Every band edge and flag of every shipped instrument, against the published scoring.

Sources of the cut-offs tested here:

* PHQ-9 — Kroenke, Spitzer & Williams, J Gen Intern Med 2001;16(9):606-613: bands 0-4,
  5-9 mild, 10-14 moderate, 15-19 moderately severe, 20-27 severe; >=10 positive for major
  depression; item 9 above 0 needs a suicide-risk assessment whatever the total (Lantern
  clinical reference §3).
* PHQ-2 — Kroenke, Spitzer & Williams, Med Care 2003;41(11):1284-1292: >=3 positive;
  >=2 the more sensitive alternative (Levis et al., JAMA 2020;323(22):2290-2300).
* GAD-7 — Spitzer, Kroenke, Williams & Löwe, Arch Intern Med 2006;166(10):1092-1097:
  bands 0-4, 5-9 mild, 10-14 moderate, 15-21 severe; >=10 positive.
* GAD-2 — Kroenke et al., Ann Intern Med 2007;146(5):317-325: >=3 positive; 2 offered as
  a clinic alternative (marked for clinical review).
* PC-PTSD-5 — Prins et al., J Gen Intern Med 2016;31(10):1206-1211 and the VA National
  Center for PTSD form: trauma exposure "no" means a total of 0; >=3 optimally sensitive
  (Lantern's default), >=4 optimally efficient.
* ASQ — NIMH Ask Suicide-Screening Questions toolkit (Horowitz et al., Arch Pediatr Adolesc
  Med 2012;166(12):1170-1176): "yes" to any of questions 1-4 (or a refusal to answer) is a
  positive screen; "yes" to the acuity question is an acute positive (imminent risk).
* Lantern indicator checklist — Lantern's own decision support (clinical reference §1): a
  count of signs present and a concern flag for key signs, never a positive screen.
"""

from __future__ import annotations

import pytest

from lantern.screening.instruments import (
    AnswerError,
    ThresholdError,
    get_instrument,
    score,
)
from tests.screening.instrument_answers import spread, yes_count

PHQ9 = get_instrument("phq-9")
PHQ2 = get_instrument("phq-2")
GAD7 = get_instrument("gad-7")
GAD2 = get_instrument("gad-2")
PTSD = get_instrument("pc-ptsd-5")
ASQ = get_instrument("asq")
CHECKLIST = get_instrument("lantern-indicators")

PTSD_ITEMS = [f"ptsd-{n}" for n in range(1, 6)]
ASQ_ITEMS = [f"asq-{n}" for n in range(1, 5)]
KEY_SIGNS = [
    "ind-companion-speaks",
    "ind-fear-companion",
    "ind-branding",
    "ind-not-free-to-leave",
    "ind-money-control",
    "ind-documents-control",
    "ind-phone-control",
    "ind-threats",
    "ind-sex-exchange",
]
LABOUR_SIGNS = ["ind-unpaid-work", "ind-debt", "ind-work-conditions", "ind-false-job"]
OTHER_SIGNS = [
    item.link_id
    for item in CHECKLIST.items
    if item.answerable and item.link_id not in KEY_SIGNS + LABOUR_SIGNS
]


# --- PHQ-9 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "band", "positive"),
    [
        (0, "minimal", False),
        (4, "minimal", False),
        (5, "mild", False),
        (9, "mild", False),
        (10, "moderate", True),
        (14, "moderate", True),
        (15, "moderately_severe", True),
        (19, "moderately_severe", True),
        (20, "severe", True),
        (24, "severe", True),
    ],
)
def test_phq9_band_edges(total, band, positive):
    result = score(PHQ9, spread(PHQ9, total))  # item 9 stays at 0
    assert (result.total, result.band.code, result.positive) == (total, band, positive)
    assert result.threshold == 10
    assert result.flags == ()


def test_phq9_highest_total_is_severe_and_flags_item_9():
    result = score(PHQ9, spread(PHQ9, 27, last=3))
    assert (result.total, result.band.code, result.band.severity) == (27, "severe", "severe")
    assert [flag.code for flag in result.flags] == ["suicide_risk"]


@pytest.mark.parametrize("item_9", [1, 2, 3])
def test_phq9_item_9_above_zero_flags_suicide_risk_whatever_the_total(item_9):
    result = score(PHQ9, spread(PHQ9, item_9, last=item_9))
    assert result.total == item_9
    assert result.band.code == "minimal"
    assert not result.positive
    (flag,) = result.flags
    assert (flag.code, flag.severity) == ("suicide_risk", "urgent")
    assert flag.message["en"]
    assert flag.message["es"]


def test_phq9_item_9_at_one_with_total_one_flags():
    answers = {f"phq9-{n}": "not_at_all" for n in range(1, 9)} | {"phq9-9": "several_days"}
    result = score(PHQ9, answers)
    assert result.total == 1
    assert result.has_flag("suicide_risk")


def test_phq9_difficulty_question_is_optional_and_unscored():
    answers = spread(PHQ9, 12)
    with_difficulty = score(PHQ9, answers | {"phq9-difficulty": "very_difficult"})
    assert with_difficulty.total == score(PHQ9, answers).total == 12
    assert with_difficulty.answered == 10


def test_phq9_only_threshold_is_10():
    with pytest.raises(ThresholdError, match="allowed: 10"):
        score(PHQ9, spread(PHQ9, 9), threshold=9)


# --- GAD-7 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "band", "positive"),
    [
        (0, "minimal", False),
        (4, "minimal", False),
        (5, "mild", False),
        (9, "mild", False),
        (10, "moderate", True),
        (14, "moderate", True),
        (15, "severe", True),
        (21, "severe", True),
    ],
)
def test_gad7_band_edges(total, band, positive):
    result = score(GAD7, spread(GAD7, total, keep_last=False))
    assert (result.total, result.band.code, result.positive) == (total, band, positive)
    assert result.flags == ()


# --- PHQ-2 and GAD-2 --------------------------------------------------------------------


@pytest.mark.parametrize("instrument", [PHQ2, GAD2], ids=["phq-2", "gad-2"])
@pytest.mark.parametrize(
    ("total", "threshold", "used", "positive"),
    [
        (0, None, 3, False),
        (2, None, 3, False),
        (3, None, 3, True),
        (6, None, 3, True),
        (2, 3, 3, False),
        (3, 3, 3, True),
        (1, 2, 2, False),
        (2, 2, 2, True),
        (3, 2, 2, True),
    ],
)
def test_two_item_screens_at_default_and_alternative_thresholds(
    instrument, total, threshold, used, positive
):
    result = score(instrument, spread(instrument, total, keep_last=False), threshold=threshold)
    assert (result.total, result.threshold, result.positive) == (total, used, positive)
    assert result.band.code == ("positive" if positive else "negative")


@pytest.mark.parametrize("instrument", [PHQ2, GAD2], ids=["phq-2", "gad-2"])
@pytest.mark.parametrize("threshold", [1, 4, 0, 7])
def test_two_item_screens_refuse_thresholds_the_literature_does_not_offer(instrument, threshold):
    with pytest.raises(ThresholdError, match="allowed: 2, 3"):
        score(instrument, spread(instrument, 2, keep_last=False), threshold=threshold)


# --- PC-PTSD-5 --------------------------------------------------------------------------


@pytest.mark.parametrize("threshold", [None, 3, 4])
def test_ptsd_no_trauma_exposure_scores_zero_and_negative(threshold):
    result = score(PTSD, {"ptsd-exposure": "no"}, threshold=threshold)
    assert (result.total, result.positive, result.band.code) == (0, False, "negative")
    assert result.answered == 1


@pytest.mark.parametrize(
    ("yes", "threshold", "positive"),
    [
        (0, 3, False),
        (2, 3, False),
        (3, 3, True),
        (4, 3, True),
        (5, 3, True),
        (2, 4, False),
        (3, 4, False),
        (4, 4, True),
        (5, 4, True),
        (3, None, True),  # the default is 3
    ],
)
def test_ptsd_counts_yes_answers_against_threshold_3_or_4(yes, threshold, positive):
    answers = {"ptsd-exposure": "yes"} | yes_count(PTSD_ITEMS, yes)
    result = score(PTSD, answers, threshold=threshold)
    assert (result.total, result.positive) == (yes, positive)
    assert result.threshold == (threshold or 3)
    assert result.band.code == ("positive" if positive else "negative")


def test_ptsd_symptom_answers_after_no_exposure_are_contradictory():
    answers = {"ptsd-exposure": "no"} | yes_count(PTSD_ITEMS, 5)
    with pytest.raises(AnswerError) as refused:
        score(PTSD, answers)
    assert refused.value.link_ids == tuple(PTSD_ITEMS)
    assert all("not asked" in reason for _, reason in refused.value.problems)


def test_ptsd_exposure_yes_needs_all_five_answers():
    with pytest.raises(AnswerError) as refused:
        score(PTSD, {"ptsd-exposure": "yes", "ptsd-1": "yes", "ptsd-2": "no"})
    assert refused.value.link_ids == ("ptsd-3", "ptsd-4", "ptsd-5")


# --- ASQ --------------------------------------------------------------------------------


def test_asq_all_no_is_negative_and_asks_no_acuity_question():
    result = score(ASQ, yes_count(ASQ_ITEMS, 0))
    assert (result.total, result.positive, result.band.code, result.flags) == (
        0,
        False,
        "negative",
        (),
    )


@pytest.mark.parametrize("item", ASQ_ITEMS)
def test_asq_any_yes_is_a_non_acute_positive_when_acuity_is_no(item):
    answers = yes_count(ASQ_ITEMS, 0) | {item: "yes", "asq-5": "no"}
    result = score(ASQ, answers)
    assert (result.total, result.positive, result.band.code) == (1, True, "non_acute_positive")
    assert [(flag.code, flag.severity) for flag in result.flags] == [("suicide_risk", "urgent")]


@pytest.mark.parametrize("yes", [1, 2, 4])
def test_asq_acuity_yes_is_an_acute_positive_imminent_risk(yes):
    answers = yes_count(ASQ_ITEMS, yes) | {"asq-5": "yes"}
    result = score(ASQ, answers)
    assert (result.total, result.positive) == (yes, True)
    assert (result.band.code, result.band.severity) == ("acute_positive", "acute")
    assert [(flag.code, flag.severity) for flag in result.flags] == [
        ("imminent_suicide_risk", "imminent")
    ]


def test_asq_declining_to_answer_screens_positive_without_counting_as_yes():
    answers = yes_count(ASQ_ITEMS, 0) | {"asq-3": "declined", "asq-5": "no"}
    result = score(ASQ, answers)
    # NIMH: a patient who declines to answer screens positive. No total is shown: "0" with a
    # positive result would read as a contradiction, or as a low score.
    assert (result.total, result.positive, result.band.code) == (None, True, "non_acute_positive")
    assert result.declined == ("asq-3",)
    assert "counts as a positive screen (NIMH" in result.declined_note["en"]
    assert result.has_flag("suicide_risk")


def test_asq_with_questions_1_to_4_declined_is_positive_whatever_the_acuity_answer():
    declined = dict.fromkeys(ASQ_ITEMS, "declined")
    for acuity, flag in (("no", "suicide_risk"), ("declined", "acuity_unknown")):
        result = score(ASQ, declined | {"asq-5": acuity})
        assert (result.total, result.positive) == (None, True)
        assert result.declined[:4] == tuple(ASQ_ITEMS)
        assert result.declined_note is not None
        assert [f.code for f in result.flags] == [flag]
        assert result.as_dict()["declined_note"]["es"].startswith("No querer responder cuenta")


def test_asq_acuity_declined_after_a_yes_is_an_urgent_positive():
    result = score(ASQ, yes_count(ASQ_ITEMS, 1) | {"asq-5": "declined"})
    assert (result.total, result.positive, result.declined) == (None, True, ("asq-5",))
    assert [(f.code, f.severity) for f in result.flags] == [("acuity_unknown", "urgent")]


def test_asq_a_yes_needs_the_acuity_question():
    with pytest.raises(AnswerError) as refused:
        score(ASQ, yes_count(ASQ_ITEMS, 1))
    assert refused.value.problems == (("asq-5", "missing required answer"),)


def test_asq_acuity_answer_without_any_yes_is_refused():
    with pytest.raises(AnswerError) as refused:
        score(ASQ, yes_count(ASQ_ITEMS, 0) | {"asq-5": "no"})
    assert refused.value.link_ids == ("asq-5",)


# --- Lantern indicator checklist --------------------------------------------------------


def checklist(present=(), unknown=()):
    return {
        item.link_id: "yes"
        if item.link_id in present
        else "unknown"
        if item.link_id in unknown
        else "no"
        for item in CHECKLIST.items
        if item.answerable
    }


def test_checklist_with_no_signs_records_none():
    result = score(CHECKLIST, checklist())
    assert (result.total, result.band.code, result.flags) == (0, "none_recorded", ())
    assert (result.positive, result.threshold, result.decision_support_only) == (False, None, True)


@pytest.mark.parametrize("sign", OTHER_SIGNS)
def test_checklist_counts_other_signs_without_a_concern(sign):
    result = score(CHECKLIST, checklist(present=[sign]))
    assert (result.total, result.band.code, result.flags) == (1, "indicators_recorded", ())
    assert result.positive is False


@pytest.mark.parametrize("sign", KEY_SIGNS)
def test_checklist_raises_a_concern_for_any_key_sign(sign):
    result = score(CHECKLIST, checklist(present=[sign]))
    assert result.total == 1
    concerns = [(f.code, f.severity) for f in result.flags if f.severity == "concern"]
    assert concerns == [("concern", "concern")]
    assert result.positive is False  # decision support never claims a positive screen


def test_exchanging_sex_marks_the_signs_as_sexual_exploitation():
    result = score(CHECKLIST, checklist(present=["ind-sex-exchange"]))
    assert [flag.code for flag in result.flags] == ["concern", "sexual_indicators"]


@pytest.mark.parametrize("sign", LABOUR_SIGNS)
def test_checklist_raises_a_labour_concern_for_any_labour_sign(sign):
    result = score(CHECKLIST, checklist(present=[sign]))
    assert (result.total, result.band.code) == (1, "indicators_recorded")
    assert [(f.code, f.severity) for f in result.flags] == [("labor_indicators", "concern")]
    assert result.positive is False


def test_checklist_counts_every_sign_present_and_not_the_unassessed():
    present = [*KEY_SIGNS[:2], *OTHER_SIGNS[:3]]
    result = score(CHECKLIST, checklist(present=present, unknown=OTHER_SIGNS[3:6]))
    assert result.total == 5
    assert result.has_flag("concern")


def test_checklist_with_every_sign_present_is_still_not_positive():
    every = [item.link_id for item in CHECKLIST.items if item.answerable]
    result = score(CHECKLIST, checklist(present=every))
    assert (result.total, result.max_total, result.positive) == (23, 23, False)
    assert [flag.code for flag in result.flags] == [
        "concern",
        "labor_indicators",
        "sexual_indicators",
    ]


def test_checklist_takes_no_threshold():
    with pytest.raises(ThresholdError, match="allowed: none"):
        score(CHECKLIST, checklist(), threshold=1)


# --- Prefer not to answer ---------------------------------------------------------------


def test_every_question_a_patient_answers_alone_offers_prefer_not_to_answer():
    from lantern.screening.instruments import all_instruments

    for instrument in all_instruments().values():
        for item in instrument.items:
            if not item.answerable:
                continue
            codes = [option.code for option in item.options]
            assert ("declined" in codes) == ("self" in instrument.administration), item.link_id
            if "declined" in codes:
                assert codes[-1] == "declined"
                assert item.option("declined").score is None


def test_phq9_with_a_declined_question_is_incomplete_never_a_low_score():
    answers = dict.fromkeys((f"phq9-{n}" for n in range(1, 10)), "not_at_all") | {
        "phq9-4": "declined"
    }
    result = score(PHQ9, answers)
    assert (result.total, result.band, result.positive) == (None, None, False)
    assert (result.declined, result.answered_total, result.complete) == (("phq9-4",), 0, False)
    summary = result.as_dict()
    assert (summary["total"], summary["complete"], summary["declined"]) == (None, False, ["phq9-4"])


def test_phq9_item_9_still_flags_when_another_question_is_declined():
    answers = dict.fromkeys((f"phq9-{n}" for n in range(1, 9)), "declined") | {
        "phq9-9": "several_days"
    }
    result = score(PHQ9, answers)
    assert result.total is None
    assert [(flag.code, flag.severity) for flag in result.flags] == [("suicide_risk", "urgent")]


def test_phq9_is_positive_when_the_answered_questions_already_reach_the_threshold():
    answers = dict.fromkeys((f"phq9-{n}" for n in range(1, 5)), "nearly_every_day") | {
        f"phq9-{n}": "declined" for n in range(5, 10)
    }
    result = score(PHQ9, answers)  # 12 from four answers: declined ones can only add
    assert (result.total, result.answered_total, result.positive) == (None, 12, True)
    assert result.band is None  # the severity band needs the whole total


def test_declining_item_9_raises_no_flag_and_leaves_the_result_incomplete():
    answers = dict.fromkeys((f"phq9-{n}" for n in range(1, 9)), "several_days") | {
        "phq9-9": "declined"
    }
    result = score(PHQ9, answers)
    assert (result.total, result.flags, result.declined) == (None, (), ("phq9-9",))


def test_declining_an_optional_unscored_question_keeps_the_result_complete():
    answers = dict.fromkeys((f"phq9-{n}" for n in range(1, 10)), "not_at_all") | {
        "phq9-difficulty": "declined"
    }
    result = score(PHQ9, answers)
    assert (result.total, result.band.code, result.complete) == (0, "minimal", True)


def test_declining_the_ptsd_trauma_question_is_incomplete_not_negative():
    result = score(get_instrument("pc-ptsd-5"), {"ptsd-exposure": "declined"})
    assert (result.total, result.band, result.positive) == (None, None, False)
    assert result.declined == ("ptsd-exposure",)
