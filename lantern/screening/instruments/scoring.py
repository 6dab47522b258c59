"""Scoring: a pure function of an instrument and a patient's answers. No database, no settings.

Answers map linkIds to an answer code (``"more_than_half"``) or its score value (``2`` or
``"2"``); yes/no questions also take ``true``/``false``. A coding the FHIR Questionnaire
publishes (``{"system": "http://loinc.org", "code": "LA33-6"}``, or Lantern's own answer code
system with the local code) stands for its option too. An empty string or ``None`` means
not answered. Scoring refuses, listing every problem, rather than score part of the answers.

``"declined"`` ("prefer not to answer") is an answer, not a gap: a required question may be
declined. A result with a declined scored question has no total, so it is never read as a
low score; it is positive only when what was answered already reaches the threshold, a flag
says so, or the instrument counts declining as positive. Flags fire from what was answered.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from lantern.screening.instruments.errors import AnswerError, ThresholdError
from lantern.screening.instruments.model import (
    FLAG_SEVERITIES,
    NO,
    YES,
    AnswerOption,
    Band,
    FlagCondition,
    FlagRule,
    Instrument,
    Item,
)
from lantern.screening.instruments.results import Flag, ScoreResult

Answer = str | int | bool | Mapping[str, str] | None
LOINC = "http://loinc.org"
# Lantern's own answer codes, as the Questionnaire publishes them under any FHIR base URL.
LOCAL_ANSWER_SYSTEM_PATH = "/CodeSystem/lantern-answer"
Chosen = dict[str, AnswerOption]
WHOLE_NUMBER = re.compile(r"^-?\d+$")
SEVERITY_RANK = {severity: rank for rank, severity in enumerate(FLAG_SEVERITIES)}


def visible_items(instrument: Instrument, answers: Mapping[str, Answer]) -> list[Item]:
    """The items to show, in order, given the answers so far (unreadable answers ignored)."""
    chosen: Chosen = {}
    for link_id, raw in answers.items():
        item = instrument.items_by_id.get(link_id)
        if item is not None:
            option, _reason = read_answer(item, raw)
            if option is not None:
                chosen[link_id] = option
    shown = _shown(instrument, chosen)
    return [item for item in instrument.items if item.link_id in shown]


def score(
    instrument: Instrument,
    answers: Mapping[str, Answer],
    *,
    threshold: int | None = None,
    unfinished: bool = False,
) -> ScoreResult:
    """Score one instrument's answers; AnswerError lists every answer that cannot be used.

    ``unfinished``: answers a patient chose but never saved (a tablet taken back before the
    end). Required questions left open are then listed in ``unanswered`` instead of refused;
    the result is incomplete, and flags still fire from what was answered.
    """
    cut = threshold_for(instrument, threshold)
    chosen = checked_answers(instrument, answers, allow_missing=unfinished)
    answered_total = _total(instrument, chosen)
    shown = _shown(instrument, chosen)
    unanswered = tuple(
        item.link_id
        for item in instrument.items
        if unfinished and item.required and item.link_id in shown and item.link_id not in chosen
    )
    declined = tuple(
        item.link_id
        for item in _in_order(instrument, chosen)
        if (item.scored or item.required) and chosen[item.link_id].declines
    )
    complete = not declined and not unanswered
    rules = _raised(instrument, chosen)
    declined_positive = bool(declined) and instrument.declined_means == "positive"
    positive = not instrument.decision_support_only and (
        (cut is not None and answered_total >= cut)
        or any(rule.makes_positive for rule in rules)
        or declined_positive
    )
    return ScoreResult(
        instrument_id=instrument.id,
        version=instrument.version,
        total=answered_total if complete else None,
        max_total=instrument.max_total,
        band=_band(instrument, answered_total, positive, rules, complete=complete),
        positive=positive,
        threshold=cut,
        flags=tuple(Flag(rule.code, rule.severity, rule.message) for rule in rules),
        answered=sum(1 for option in chosen.values() if not option.declines),
        decision_support_only=instrument.decision_support_only,
        answers=tuple(
            (item.link_id, chosen[item.link_id].code) for item in _in_order(instrument, chosen)
        ),
        declined=declined,
        unanswered=unanswered,
        answered_total=answered_total,
        declined_note=instrument.declined_note if declined_positive else None,
    )


def threshold_for(instrument: Instrument, threshold: int | None) -> int | None:
    """The threshold to use: the one asked for if the instrument allows it, else the default."""
    if threshold is None:
        return instrument.default_threshold
    if threshold not in instrument.allowed_thresholds:
        allowed = ", ".join(str(value) for value in instrument.allowed_thresholds) or "none"
        raise ThresholdError(
            f"{instrument.id}: threshold {threshold} is not allowed (allowed: {allowed})"
        )
    return threshold


def checked_answers(
    instrument: Instrument, answers: Mapping[str, Answer], *, allow_missing: bool = False
) -> Chosen:
    """The chosen option per linkId, or AnswerError naming every problem (a required
    question left open is one, unless ``allow_missing``)."""
    chosen: Chosen = {}
    problems: list[tuple[str, str]] = []
    for link_id, raw in answers.items():
        item = instrument.items_by_id.get(link_id)
        if item is None:
            problems.append((link_id, "unknown linkId for this instrument"))
            continue
        option, reason = read_answer(item, raw)
        if option is not None:
            chosen[link_id] = option
        elif reason:
            problems.append((link_id, reason))
    problems += _visibility_problems(
        instrument, chosen, unreadable={p[0] for p in problems}, allow_missing=allow_missing
    )
    if problems:
        order = instrument.positions
        problems.sort(key=lambda problem: (order.get(problem[0], len(order)), problem[0]))
        raise AnswerError(instrument.id, problems)
    return chosen


def read_answer(item: Item, raw: Answer) -> tuple[AnswerOption | None, str]:
    """The option an answer stands for, or (None, why not); (None, "") means no answer."""
    if raw is None or raw == "":
        return None, ""
    if not item.answerable:
        return None, "this is display text; it takes no answer"
    if isinstance(raw, bool):
        return _yes_no(item, raw)
    if isinstance(raw, Mapping):
        return _by_coding(item, raw)
    if isinstance(raw, str):
        option = item.options_by_code.get(raw)
        if option is not None:
            return option, ""
        if not WHOLE_NUMBER.match(raw.strip()):
            return None, f"unknown answer '{raw}' (answers: {_codes(item.options)})"
        raw = int(raw)
    if isinstance(raw, int):
        return _by_score(item, raw)
    return None, "an answer must be an answer code or a whole-number score value"


def _by_coding(item: Item, coding: Mapping[str, str]) -> tuple[AnswerOption | None, str]:
    """The option a published coding stands for: its LOINC answer code or Lantern's code."""
    system, code = coding.get("system"), coding.get("code")
    if not isinstance(system, str) or not isinstance(code, str) or not code:
        return None, "a coding needs a system and a code"
    for option in item.options:
        if (system == LOINC and option.loinc == code) or (
            system.endswith(LOCAL_ANSWER_SYSTEM_PATH) and option.code == code
        ):
            return option, ""
    return None, f"unknown answer {system}|{code} (answers: {_codings(item.options)})"


def _codings(options: Iterable[AnswerOption]) -> str:
    return ", ".join(
        f"{LOINC}|{option.loinc}" if option.loinc else option.code for option in options
    )


def _yes_no(item: Item, raw: bool) -> tuple[AnswerOption | None, str]:
    option = item.options_by_code.get(YES if raw else NO)
    if option is None:
        return None, f"true/false fits only yes/no questions (answers: {_codes(item.options)})"
    return option, ""


def _by_score(item: Item, value: int) -> tuple[AnswerOption | None, str]:
    matches = item.options_by_score.get(value, ())
    if len(matches) == 1:
        return matches[0], ""
    if matches:
        return None, f"score value {value} is ambiguous ({_codes(matches)}); give the answer code"
    scores = sorted(item.options_by_score)
    if not scores:
        return None, f"give an answer code (answers: {_codes(item.options)})"
    return None, f"{value} is out of range (score values {scores[0]}-{scores[-1]})"


def _visibility_problems(
    instrument: Instrument, chosen: Chosen, unreadable: set[str], *, allow_missing: bool = False
) -> list[tuple[str, str]]:
    shown = _shown(instrument, chosen)
    problems = []
    for item in instrument.items:
        link_id = item.link_id
        if link_id in chosen and link_id not in shown:
            problems.append((link_id, f"answered, but not asked: {_condition_text(item)}"))
        elif (
            item.required
            and not allow_missing
            and link_id in shown
            and not (link_id in chosen or link_id in unreadable)
        ):
            problems.append((link_id, "missing required answer"))
    return problems


def _shown(instrument: Instrument, chosen: Chosen) -> set[str]:
    """LinkIds asked, given the answers: conditions refer to earlier, shown items only."""
    shown: set[str] = set()
    for item in instrument.items:
        if not item.enable_when:
            shown.add(item.link_id)
            continue
        met = (
            condition.link_id in shown
            and condition.link_id in chosen
            and chosen[condition.link_id].code == condition.answer
            for condition in item.enable_when
        )
        if any(met) if item.enable_behavior == "any" else all(met):
            shown.add(item.link_id)
    return shown


def _condition_text(item: Item) -> str:
    wanted: dict[str, list[str]] = {}
    for condition in item.enable_when:
        wanted.setdefault(condition.link_id, []).append(condition.answer)
    joiner = " or " if item.enable_behavior == "any" else " and "
    conditions = joiner.join(f"{link_id} = {'/'.join(codes)}" for link_id, codes in wanted.items())
    return f"shown only when {conditions}"


def _total(instrument: Instrument, chosen: Chosen) -> int:
    scored = (
        option for link_id, option in chosen.items() if instrument.items_by_id[link_id].scored
    )
    if instrument.scoring == "count_yes":
        return sum(1 for option in scored if option.code == YES)
    return sum(option.score or 0 for option in scored)


def _raised(instrument: Instrument, chosen: Chosen) -> list[FlagRule]:
    raised = [rule for rule in instrument.flag_rules if _rule_met(rule, chosen)]
    raised.sort(key=lambda rule: SEVERITY_RANK.get(rule.severity, len(SEVERITY_RANK)))
    return raised


def _rule_met(rule: FlagRule, chosen: Chosen) -> bool:
    met = (_condition_met(condition, chosen) for condition in rule.when)
    return any(met) if rule.match == "any" else all(met)


def _condition_met(condition: FlagCondition, chosen: Chosen) -> bool:
    option = chosen.get(condition.link_id)
    if option is None:
        return False
    if option.code in condition.answers:
        return True
    at_least = condition.score_at_least
    return at_least is not None and option.score is not None and option.score >= at_least


def _band(
    instrument: Instrument,
    total: int,
    positive: bool,
    rules: list[FlagRule],
    *,
    complete: bool = True,
) -> Band | None:
    """The band a flag names (most pressing first), else the band of the total or result.

    An incomplete result has no band by total (its total is not known) and no negative
    band (a declined question could have made it positive): only a positive band.
    """
    for rule in rules:
        if rule.band is not None:
            return instrument.band(rule.band)
    if not complete and not positive:
        return None
    wanted = "positive" if positive else "negative"
    for band in instrument.bands:
        if band.screen == wanted or (complete and _covers(band, total)):
            return band
    return None


def _covers(band: Band, total: int) -> bool:
    return band.low is not None and band.high is not None and band.low <= total <= band.high


def _in_order(instrument: Instrument, chosen: Chosen) -> Iterable[Item]:
    return (item for item in instrument.items if item.link_id in chosen)


def _codes(options: Iterable[AnswerOption]) -> str:
    return ", ".join(option.code for option in options)
