"""Checks on an instrument's meaning; every problem is (where, reason).

Refused: duplicate linkIds, answer options without a score on scored items, bands that
leave a gap or overlap over the possible totals, thresholds outside the totals, display
conditions that point at unknown (or later) items or unknown answers, text missing in a
declared language, unknown scoring methods, categories, item types or severities, and flag
rules that name unknown items, answers or bands.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from lantern.screening.instruments.model import (
    ADMINISTRATION_MODES,
    BAND_SEVERITIES,
    CATEGORIES,
    DECLINED,
    DECLINED_MEANINGS,
    ENABLE_BEHAVIORS,
    FLAG_SEVERITIES,
    ITEM_TYPES,
    NO,
    SCORING_METHODS,
    SCREEN_BANDS,
    YES,
    Band,
    FlagRule,
    Instrument,
    Item,
    LocalizedText,
)

Problem = tuple[str, str]
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
LINK_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
LOINC_PATTERN = re.compile(r"^(LA)?\d{1,7}-\d$")


def problems(instrument: Instrument) -> list[Problem]:
    """Every problem found in the instrument, in the order of the file."""
    found = list(_header(instrument))
    found += _languages(instrument)
    found += _items(instrument)
    found += _scoring(instrument)
    found += _bands(instrument)
    found += _threshold(instrument)
    for rule in instrument.flag_rules:
        found += _flag_rule(instrument, rule)
    return found


def _header(instrument: Instrument) -> Iterator[Problem]:
    if not ID_PATTERN.match(instrument.id):
        yield "instrument", f"id '{instrument.id}' must be lower-case letters, digits and '-'"
    if instrument.category not in CATEGORIES:
        yield "instrument", f"unknown category '{instrument.category}' ({_one_of(CATEGORIES)})"
    for mode in instrument.administration:
        if mode not in ADMINISTRATION_MODES:
            yield "instrument", f"unknown administration '{mode}' ({_one_of(ADMINISTRATION_MODES)})"
    if "en" not in instrument.languages:
        yield "instrument", "languages must include 'en'"
    if instrument.declined_means not in DECLINED_MEANINGS:
        yield (
            "declined",
            f"unknown meaning '{instrument.declined_means}' ({_one_of(DECLINED_MEANINGS)})",
        )
    elif instrument.declined_means == "positive" and not instrument.declinable:
        yield "declined", "only an instrument patients answer alone offers 'prefer not to answer'"
    if instrument.declined_means == "positive" and instrument.declined_note is None:
        yield "declined", "say in a note who directs that declining counts as a positive screen"
    for code in (instrument.loinc, instrument.loinc_total):
        if code is not None and not LOINC_PATTERN.match(code):
            yield "instrument", f"'{code}' is not a LOINC code"


def _languages(instrument: Instrument) -> Iterator[Problem]:
    """Every text in every declared language (and a translation note for each)."""
    for where, text in _texts(instrument):
        missing = [lang for lang in instrument.languages if not text.get(lang, "").strip()]
        if missing:
            yield where, f"missing text in declared language(s): {', '.join(missing)}"


def _texts(instrument: Instrument) -> Iterator[tuple[str, LocalizedText]]:
    for name in ("title", "description", "translations", "intro", "guidance", "declined_note"):
        text = getattr(instrument, name)
        if text is not None:
            yield name, text
    for item in instrument.items:
        yield f"item {item.link_id}", item.text
        if item.help is not None:
            yield f"item {item.link_id}, help", item.help
        for option in item.options:
            yield f"item {item.link_id}, option {option.code}", option.display
    for band in instrument.bands:
        yield f"band {band.code}", band.label
    for rule in instrument.flag_rules:
        yield f"flag {rule.code}", rule.message


def _items(instrument: Instrument) -> Iterator[Problem]:
    if not instrument.items:
        yield "items", "an instrument needs at least one item"
    counts = Counter(item.link_id for item in instrument.items)
    for link_id, count in counts.items():
        if count > 1:
            yield f"item {link_id}", f"duplicate linkId ({count} items share it)"
    earlier: dict[str, Item] = {}
    for item in instrument.items:
        yield from _item(item)
        yield from _enable_when(item, earlier)
        earlier[item.link_id] = item


def _item(item: Item) -> Iterator[Problem]:
    where = f"item {item.link_id}"
    if not LINK_ID_PATTERN.match(item.link_id):
        yield where, "linkId must be letters, digits, '.', '_' or '-'"
    if item.type not in ITEM_TYPES:
        yield where, f"unknown item type '{item.type}' ({_one_of(ITEM_TYPES)})"
    if item.loinc is not None and not LOINC_PATTERN.match(item.loinc):
        yield where, f"'{item.loinc}' is not a LOINC code"
    yield from _item_answers(item, where)


def _item_answers(item: Item, where: str) -> Iterator[Problem]:
    if item.type == "display":
        if item.options or item.scored or item.required:
            yield where, "display text takes no answers and cannot be scored or required"
        return
    answers = [o.code for o in item.options if not o.declines]
    if item.type == "boolean" and answers != [YES, NO]:
        yield where, "a boolean item's answers are 'yes' then 'no'"
    if item.type == "boolean" and item.scored:
        yield where, "a boolean item cannot be scored; use a choice item with yes/no options"
    if not item.options:
        yield where, "a question needs answer options"
    for code, count in Counter(option.code for option in item.options).items():
        if count > 1:
            yield f"{where}, option {code}", "duplicate answer code"
    for option in item.options:
        yield from _option(item, option.code, option.score, where)


def _option(item: Item, code: str, score: int | None, where: str) -> Iterator[Problem]:
    if not CODE_PATTERN.match(code):
        yield f"{where}, option {code}", "answer codes are lower-case letters, digits, '_', '-'"
    if code == DECLINED:
        if score is not None:
            yield f"{where}, option {code}", "'prefer not to answer' takes no score"
        return
    if item.scored and score is None:
        yield f"{where}, option {code}", "answer option without a score value on a scored item"
    if score is not None and score < 0:
        yield f"{where}, option {code}", "score values cannot be negative"


def _enable_when(item: Item, earlier: dict[str, Item]) -> Iterator[Problem]:
    where = f"item {item.link_id}"
    if item.enable_behavior not in ENABLE_BEHAVIORS:
        yield (
            where,
            f"unknown enable_behavior '{item.enable_behavior}' ({_one_of(ENABLE_BEHAVIORS)})",
        )
    for condition in item.enable_when:
        target = earlier.get(condition.link_id)
        if target is None:
            yield where, f"enable_when points at unknown or later item '{condition.link_id}'"
        elif not target.answerable:
            yield where, f"enable_when points at display text '{condition.link_id}'"
        elif condition.answer not in target.options_by_code:
            yield (
                where,
                (
                    f"enable_when expects answer '{condition.answer}', which item "
                    f"'{condition.link_id}' does not have"
                ),
            )


def _scoring(instrument: Instrument) -> Iterator[Problem]:
    if instrument.scoring not in SCORING_METHODS:
        yield (
            "scoring",
            f"unknown scoring method '{instrument.scoring}' ({_one_of(SCORING_METHODS)})",
        )
        return
    scored = [item for item in instrument.items if item.scored]
    if not scored:
        yield "scoring", "no item is scored"
    if instrument.scoring != "count_yes":
        return
    for item in scored:
        scores = {option.code: option.score for option in item.options if not option.declines}
        if scores.get(YES) != 1 or any(s != 0 for code, s in scores.items() if code != YES):
            yield f"item {item.link_id}", "count_yes needs a 'yes' answer scoring 1, others 0"


def _bands(instrument: Instrument) -> Iterator[Problem]:
    bands = instrument.bands
    for code, count in Counter(band.code for band in bands).items():
        if count > 1:
            yield f"band {code}", "duplicate band code"
    for band in bands:
        if band.severity not in BAND_SEVERITIES:
            yield (
                f"band {band.code}",
                f"unknown severity '{band.severity}' ({_one_of(BAND_SEVERITIES)})",
            )
    by_total = [band for band in bands if band.by_total]
    screens = [band for band in bands if band.screen is not None]
    if by_total and screens:
        yield "bands", "use bands by total or negative/positive bands, not both"
    elif screens:
        yield from _screen_bands(screens)
    elif by_total:
        yield from _band_ranges(instrument, by_total)
    else:
        yield "bands", "no band covers the totals"


def _screen_bands(screens: list[Band]) -> Iterator[Problem]:
    kinds = sorted(band.screen or "" for band in screens)
    for band in screens:
        if band.screen not in SCREEN_BANDS:
            yield f"band {band.code}", f"unknown screen '{band.screen}' ({_one_of(SCREEN_BANDS)})"
    if kinds != sorted(SCREEN_BANDS):
        yield "bands", "a yes/no screen needs exactly one negative and one positive band"


def _band_ranges(instrument: Instrument, bands: list[Band]) -> Iterator[Problem]:
    ranges = []
    for band in bands:
        if band.low is None or band.high is None or band.low > band.high:
            yield f"band {band.code}", "a band by total needs both min and max, min <= max"
            return
        ranges.append((band.low, band.high, band.code))
    ranges.sort()
    low, high = instrument.min_total, instrument.max_total
    expected = low
    if ranges[0][0] < low:
        yield f"band {ranges[0][2]}", f"starts at {ranges[0][0]}, below the lowest total {low}"
        expected = ranges[0][0]
    for start, end, code in ranges:
        if start > expected:
            yield "bands", f"gap: no band covers totals {expected}-{start - 1}"
        elif start < expected:
            yield f"band {code}", f"overlap: totals from {start} are already in another band"
        expected = max(expected, end + 1)
    if expected - 1 < high:
        yield "bands", f"gap: no band covers totals {expected}-{high}"
    elif expected - 1 > high:
        yield "bands", f"bands run past the highest possible total {high}"


def _threshold(instrument: Instrument) -> Iterator[Problem]:
    threshold = instrument.threshold
    if instrument.decision_support_only:
        if threshold is not None:
            yield "threshold", "a decision-support checklist has no positive threshold"
        return
    if threshold is None:
        yield "threshold", "a screen needs a positive threshold"
        return
    if threshold.default not in threshold.allowed:
        yield (
            "threshold",
            f"default {threshold.default} is not among allowed {list(threshold.allowed)}",
        )
    low, high = instrument.min_total, instrument.max_total
    for value in sorted(set(threshold.allowed)):
        if not low < value <= high:
            yield "threshold", f"threshold {value} is outside the possible totals {low}-{high}"


def _flag_rule(instrument: Instrument, rule: FlagRule) -> Iterator[Problem]:
    where = f"flag {rule.code}"
    if rule.severity not in FLAG_SEVERITIES:
        yield where, f"unknown severity '{rule.severity}' ({_one_of(FLAG_SEVERITIES)})"
    if rule.match not in ENABLE_BEHAVIORS:
        yield where, f"unknown match '{rule.match}' ({_one_of(ENABLE_BEHAVIORS)})"
    if rule.band is not None and rule.band not in {band.code for band in instrument.bands}:
        yield where, f"unknown band '{rule.band}'"
    if rule.makes_positive and instrument.decision_support_only:
        yield where, "a decision-support checklist never makes a result positive"
    if not rule.when:
        yield where, "a flag rule needs at least one condition"
    for condition in rule.when:
        item = instrument.items_by_id.get(condition.link_id)
        if item is None or not item.answerable:
            yield where, f"condition names unknown item '{condition.link_id}'"
            continue
        for answer in condition.answers:
            if answer not in item.options_by_code:
                yield where, f"item '{item.link_id}' has no answer '{answer}'"


def _one_of(choices: tuple[str, ...]) -> str:
    return "expected one of: " + ", ".join(choices)
