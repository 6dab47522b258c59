"""Properties that hold for any answers, checked with hypothesis.

* PHQ-9: the total is the sum of the item scores, within 0-27, always in exactly one band;
  positive exactly at 10 or more; the suicide-risk flag exactly when item 9 is above 0.
* Every instrument: any complete set of answers to the questions actually asked scores,
  within the possible totals and with a band; removing a required answer, or answering a
  question that was not asked, is refused naming that linkId.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lantern.screening.instruments import (
    AnswerError,
    Instrument,
    all_instruments,
    get_instrument,
    score,
    visible_items,
)

PHQ9 = get_instrument("phq-9")
INSTRUMENTS = list(all_instruments().values())
IDS = [instrument.id for instrument in INSTRUMENTS]


@settings(max_examples=300)
@given(st.lists(st.integers(min_value=0, max_value=3), min_size=9, max_size=9))
def test_phq9_total_is_the_sum_and_always_has_a_band(item_scores):
    answers = {f"phq9-{n}": value for n, value in enumerate(item_scores, start=1)}
    result = score(PHQ9, answers)
    assert result.total == sum(item_scores)
    assert 0 <= result.total <= 27
    assert result.band is not None
    assert result.band.low <= result.total <= result.band.high
    assert [band.code for band in PHQ9.bands if band.low <= result.total <= band.high] == [
        result.band.code
    ]
    assert result.positive == (result.total >= 10)
    assert result.has_flag("suicide_risk") == (item_scores[8] > 0)


def complete_answers(data: st.DataObject, instrument: Instrument) -> dict[str, str]:
    """Answers to exactly the questions asked, drawn one by one as a patient would."""
    answers: dict[str, str] = {}
    while True:
        pending = [
            item
            for item in visible_items(instrument, answers)
            if item.answerable and item.link_id not in answers
        ]
        if not pending:
            return answers
        item = pending[0]
        answers[item.link_id] = data.draw(
            st.sampled_from([option.code for option in item.options]), label=item.link_id
        )


@pytest.mark.parametrize("instrument", INSTRUMENTS, ids=IDS)
@settings(max_examples=150)
@given(data=st.data())
def test_any_complete_answers_score_within_the_possible_totals(instrument, data):
    answers = complete_answers(data, instrument)
    result = score(instrument, answers)
    assert instrument.min_total <= result.answered_total <= instrument.max_total
    assert result.answered == sum(1 for code in answers.values() if code != "declined")
    assert dict(result.answers) == answers
    declined = [
        link_id
        for link_id, code in answers.items()
        if code == "declined"
        and (instrument.item(link_id).scored or instrument.item(link_id).required)
    ]
    assert list(result.declined) == [i.link_id for i in instrument.items if i.link_id in declined]
    if declined:
        # Incomplete: no total that could pass for a low score, and never a negative band.
        assert result.total is None
        assert result.band is None or result.band.screen != "negative"
        assert result.band is None or result.positive or result.band.by_total is False
    else:
        assert result.total == result.answered_total
        assert result.band is not None
    if instrument.decision_support_only:
        assert not result.positive
    else:
        assert result.positive >= (result.answered_total >= instrument.default_threshold)
        if declined and instrument.declined_means == "positive":
            assert result.positive


@pytest.mark.parametrize("instrument", INSTRUMENTS, ids=IDS)
@settings(max_examples=80)
@given(data=st.data())
def test_a_missing_required_answer_is_named(instrument, data):
    answers = complete_answers(data, instrument)
    required = [link_id for link_id in answers if instrument.item(link_id).required]
    dropped = data.draw(st.sampled_from(required), label="dropped")
    del answers[dropped]
    with pytest.raises(AnswerError) as refused:
        score(instrument, answers)
    assert (dropped, "missing required answer") in refused.value.problems


@pytest.mark.parametrize(
    "instrument",
    [i for i in INSTRUMENTS if any(item.enable_when for item in i.items)],
    ids=lambda instrument: instrument.id,
)
@settings(max_examples=80)
@given(data=st.data())
def test_an_answer_to_a_question_not_asked_is_named(instrument, data):
    answers = complete_answers(data, instrument)
    shown = {item.link_id for item in visible_items(instrument, answers)}
    hidden = [i for i in instrument.items if i.answerable and i.link_id not in shown]
    if not hidden:
        return
    extra = data.draw(st.sampled_from(hidden), label="hidden")
    answers[extra.link_id] = extra.options[0].code
    with pytest.raises(AnswerError) as refused:
        score(instrument, answers)
    assert extra.link_id in refused.value.link_ids


@settings(max_examples=100)
@given(st.lists(st.integers(min_value=0, max_value=3), min_size=7, max_size=7))
def test_gad7_score_values_and_codes_agree(item_scores):
    gad7 = get_instrument("gad-7")
    by_value = {f"gad7-{n}": value for n, value in enumerate(item_scores, start=1)}
    by_text = {link_id: str(value) for link_id, value in by_value.items()}
    by_code = {
        link_id: gad7.item(link_id).options_by_score[value][0].code
        for link_id, value in by_value.items()
    }
    assert score(gad7, by_value) == score(gad7, by_text) == score(gad7, by_code)
