"""Reading an instrument file's JSON into an Instrument, refusing malformed fields.

This module checks shapes (a field is present, of the right type, and no unknown field is
there, so a typo in a clinic's copy cannot pass silently); ``validation`` checks meaning.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from lantern.screening.instruments.model import (
    DECLINED,
    AnswerOption,
    Band,
    EnableWhen,
    FlagCondition,
    FlagRule,
    Instrument,
    Item,
    Source,
    Threshold,
)

FORMAT = "lantern-instrument/1"
_MISSING: Any = object()

# Labels for boolean items that do not list their own answers, with LOINC's yes/no answer
# codes so that a coded yes or no is read like true or false.
YES_NO = (
    AnswerOption("yes", {"en": "Yes", "es": "Sí"}, 1, "LA33-6"),
    AnswerOption("no", {"en": "No", "es": "No"}, 0, "LA32-8"),
)
# Offered last on every question of an instrument patients may answer alone, unless the
# file words it itself. Never scored.
PREFER_NOT_TO_ANSWER = AnswerOption(
    DECLINED, {"en": "Prefer not to answer", "es": "Prefiero no responder"}
)


class Malformed(Exception):
    """A problem in the file's shape, at ``where``."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason


class Fields:
    """One JSON object, read field by field; ``finish()`` refuses fields nobody read."""

    def __init__(self, data: object, where: str) -> None:
        if not isinstance(data, dict):
            raise Malformed(where, "expected a JSON object")
        self.data: dict[str, Any] = data
        self.where = where
        self.used: set[str] = set()

    def get(self, key: str, default: Any = _MISSING) -> Any:
        self.used.add(key)
        if key in self.data:
            return self.data[key]
        if default is _MISSING:
            raise Malformed(self.where, f"missing field '{key}'")
        return default

    def string(self, key: str, default: Any = _MISSING) -> str:
        value = self.get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise Malformed(self.where, f"'{key}' must be a non-empty string")
        return value

    def optional_string(self, key: str) -> str | None:
        return None if self.get(key, None) is None else self.string(key)

    def integer(self, key: str, default: Any = _MISSING) -> int:
        value = self.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise Malformed(self.where, f"'{key}' must be a whole number")
        return value

    def optional_integer(self, key: str) -> int | None:
        return None if self.get(key, None) is None else self.integer(key)

    def boolean(self, key: str, default: Any = _MISSING) -> bool:
        value = self.get(key, default)
        if not isinstance(value, bool):
            raise Malformed(self.where, f"'{key}' must be true or false")
        return value

    def localized(self, key: str) -> dict[str, str]:
        value = self.get(key)
        if not isinstance(value, dict) or not all(
            isinstance(lang, str) and isinstance(text, str) for lang, text in value.items()
        ):
            raise Malformed(self.where, f"'{key}' must map language codes to text")
        return dict(value)

    def optional_localized(self, key: str) -> dict[str, str] | None:
        return None if self.get(key, None) is None else self.localized(key)

    def array(self, key: str, default: Any = _MISSING) -> list[Any]:
        value = self.get(key, default)
        if not isinstance(value, list):
            raise Malformed(self.where, f"'{key}' must be a list")
        return value

    def strings(self, key: str, default: Any = _MISSING) -> tuple[str, ...]:
        values = self.array(key, default)
        if not all(isinstance(value, str) and value for value in values):
            raise Malformed(self.where, f"'{key}' must be a list of non-empty strings")
        return tuple(values)

    def finish(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            raise Malformed(self.where, f"unknown field(s): {', '.join(unknown)}")


def parse_instrument(data: object) -> Instrument:
    top = Fields(data, "instrument")
    if top.get("format") != FORMAT:
        raise Malformed("instrument", f"'format' must be \"{FORMAT}\"")
    answer_sets = _answer_sets(top.get("answer_sets", {}))
    about = _about(top)
    declinable = "self" in about["administration"]
    instrument = Instrument(
        **about,
        **_declined(top.get("declined", None)),
        items=tuple(
            _item(raw, i, answer_sets, declinable=declinable)
            for i, raw in enumerate(top.array("items"))
        ),
        scoring=_scoring(top.get("scoring")),
        bands=tuple(_band(raw, i) for i, raw in enumerate(top.array("bands"))),
        threshold=_threshold(top.get("threshold")),
        flag_rules=tuple(_flag(raw, i) for i, raw in enumerate(top.array("flags", []))),
        loinc=top.optional_string("loinc"),
        loinc_total=top.optional_string("loinc_total"),
        needs_clinical_review=top.strings("needs_clinical_review", []),
        date=_iso_date(top),
    )
    top.finish()
    return instrument


def _iso_date(top: Fields) -> str | None:
    value = top.optional_string("date")
    if value is not None:
        try:
            datetime.date.fromisoformat(value)
        except ValueError:
            raise Malformed("instrument", "'date' must be a date like 2026-11-27") from None
    return value


def _about(top: Fields) -> dict[str, Any]:
    """What the instrument is, where it comes from, and the words around its questions."""
    return {
        "id": top.string("id"),
        "version": top.string("version"),
        "published_version": top.string("published_version"),
        "published_year": top.integer("published_year"),
        "abbreviation": top.string("abbreviation"),
        "title": top.localized("title"),
        "description": top.localized("description"),
        "category": top.string("category"),
        "sensitive": top.boolean("sensitive"),
        "decision_support_only": top.boolean("decision_support_only", False),
        "administration": top.strings("administration"),
        "sources": tuple(_source(raw, i) for i, raw in enumerate(top.array("sources"))),
        "licence": top.string("licence"),
        "licence_short": top.string("licence_short"),
        "languages": top.strings("languages"),
        "translations": top.localized("translations"),
        "intro": top.localized("intro"),
        "guidance": top.optional_localized("guidance"),
    }


def _declined(data: object) -> dict[str, Any]:
    """What declining a scored question means: ``{"means": ..., "note": {...}}``."""
    if data is None:
        return {}
    fields = Fields(data, "declined")
    found = {
        "declined_means": fields.string("means"),
        "declined_note": fields.optional_localized("note"),
    }
    fields.finish()
    return found


def _answer_sets(data: object) -> dict[str, tuple[AnswerOption, ...]]:
    sets = Fields(data, "answer_sets")
    found = {name: _options(sets.array(name), f"answer set {name}") for name in sets.data}
    sets.finish()
    return found


def _options(raw: list[Any], where: str) -> tuple[AnswerOption, ...]:
    options = []
    for index, entry in enumerate(raw):
        fields = Fields(entry, f"{where}, option {index + 1}")
        code = fields.string("code")
        fields.where = f"{where}, option {code}"
        options.append(
            AnswerOption(
                code=code,
                display=fields.localized("display"),
                score=fields.optional_integer("score"),
                loinc=fields.optional_string("loinc"),
            )
        )
        fields.finish()
    return tuple(options)


def _item(
    data: object,
    index: int,
    answer_sets: Mapping[str, tuple[AnswerOption, ...]],
    *,
    declinable: bool = False,
) -> Item:
    fields = Fields(data, f"items[{index}]")
    link_id = fields.string("link_id")
    fields.where = f"item {link_id}"
    item_type = fields.string("type")
    options = _item_options(fields, item_type, answer_sets)
    if declinable and item_type != "display" and DECLINED not in {o.code for o in options}:
        options = (*options, PREFER_NOT_TO_ANSWER)
    item = Item(
        link_id=link_id,
        type=item_type,
        text=fields.localized("text"),
        options=options,
        scored=fields.boolean("scored", False),
        required=fields.boolean("required", False),
        enable_when=tuple(
            _enable_when(raw, fields.where) for raw in fields.array("enable_when", [])
        ),
        enable_behavior=fields.string("enable_behavior", "any"),
        loinc=fields.optional_string("loinc"),
        help=fields.optional_localized("help"),
    )
    fields.finish()
    return item


def _item_options(
    fields: Fields, item_type: str, answer_sets: Mapping[str, tuple[AnswerOption, ...]]
) -> tuple[AnswerOption, ...]:
    answers = fields.get("answers", None)
    if answers is None:
        return YES_NO if item_type == "boolean" else ()
    if isinstance(answers, str):
        if answers not in answer_sets:
            raise Malformed(fields.where, f"unknown answer set '{answers}'")
        return answer_sets[answers]
    if isinstance(answers, list):
        return _options(answers, fields.where)
    raise Malformed(fields.where, "'answers' must name an answer set or list the options")


def _enable_when(data: object, where: str) -> EnableWhen:
    fields = Fields(data, f"{where}, enable_when")
    condition = EnableWhen(link_id=fields.string("item"), answer=fields.string("answer"))
    fields.finish()
    return condition


def _source(data: object, index: int) -> Source:
    fields = Fields(data, f"sources[{index}]")
    source = Source(citation=fields.string("citation"), url=fields.optional_string("url"))
    fields.finish()
    return source


def _scoring(data: object) -> str:
    fields = Fields(data, "scoring")
    method = fields.string("method")
    fields.finish()
    return method


def _band(data: object, index: int) -> Band:
    fields = Fields(data, f"bands[{index}]")
    code = fields.string("code")
    fields.where = f"band {code}"
    band = Band(
        code=code,
        label=fields.localized("label"),
        severity=fields.string("severity"),
        low=fields.optional_integer("min"),
        high=fields.optional_integer("max"),
        screen=fields.optional_string("screen"),
    )
    fields.finish()
    return band


def _threshold(data: object) -> Threshold | None:
    if data is None:
        return None
    fields = Fields(data, "threshold")
    default = fields.integer("default")
    allowed = fields.array("allowed", [default])
    if not all(isinstance(value, int) and not isinstance(value, bool) for value in allowed):
        raise Malformed("threshold", "'allowed' must be a list of whole numbers")
    fields.finish()
    return Threshold(default=default, allowed=tuple(allowed))


def _flag(data: object, index: int) -> FlagRule:
    fields = Fields(data, f"flags[{index}]")
    code = fields.string("code")
    fields.where = f"flag {code}"
    rule = FlagRule(
        code=code,
        severity=fields.string("severity"),
        message=fields.localized("message"),
        when=tuple(_flag_condition(raw, fields.where) for raw in fields.array("when")),
        match=fields.string("match", "any"),
        makes_positive=fields.boolean("positive", False),
        band=fields.optional_string("band"),
    )
    fields.finish()
    return rule


def _flag_condition(data: object, where: str) -> FlagCondition:
    fields = Fields(data, f"{where}, condition")
    condition = FlagCondition(
        link_id=fields.string("item"),
        answers=fields.strings("answer_in", []),
        score_at_least=fields.optional_integer("score_at_least"),
    )
    fields.finish()
    if not condition.answers and condition.score_at_least is None:
        raise Malformed(fields.where, "give 'answer_in' or 'score_at_least'")
    return condition
