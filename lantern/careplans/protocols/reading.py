"""Reading a protocol file's JSON into a Protocol, and writing one back.

This module checks shapes: every field present, of the right type, and no unknown field (a
typo in a clinic's copy cannot pass silently). Each rule and each activity is read on its
own, so one broken activity does not hide the next. ``validation`` checks meaning.

Sizes are checked as the file is read (``validation.LIMITS``): a list longer than its limit
is refused before any of its entries is read, and a text longer than its field allows is
refused without being repeated in the message.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from lantern.careplans.protocols.errors import Problem
from lantern.careplans.protocols.model import (
    ActivitySpec,
    Anchor,
    AnyOf,
    Clause,
    Condition,
    ExposureNotes,
    MinimumInterval,
    Protocol,
    ProtocolRef,
    Review,
    ReviewNote,
    Rule,
    Source,
)
from lantern.careplans.protocols.offsets import Offset, OffsetError, parse_offset
from lantern.careplans.protocols.validation import LIMITS

FORMAT = "lantern-protocol/1"
TESTS = ("in", "not_in", "known", "empty", "contains_any", "contains_none")
_MISSING: Any = object()
T = TypeVar("T")


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
        limit = LIMITS.chars_for(key)
        if len(value) > limit:
            raise Malformed(self.where, f"'{key}' is {len(value)} characters long: at most {limit}")
        return value

    def optional_string(self, key: str) -> str | None:
        return None if self.get(key, None) is None else self.string(key)

    def boolean(self, key: str, default: Any = _MISSING) -> bool:
        value = self.get(key, default)
        if not isinstance(value, bool):
            raise Malformed(self.where, f"'{key}' must be true or false")
        return value

    def integer(self, key: str) -> int:
        value = self.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise Malformed(self.where, f"'{key}' must be a whole number")
        if abs(value) > LIMITS.largest_number:
            raise Malformed(self.where, f"'{key}' is beyond {LIMITS.largest_number}")
        return value

    def array(self, key: str, default: Any = _MISSING, *, limit: int | None = None) -> list[Any]:
        value = self.get(key, default)
        if not isinstance(value, list):
            raise Malformed(self.where, f"'{key}' must be a list")
        if limit is not None and len(value) > limit:
            raise Malformed(self.where, f"'{key}' has {len(value)} entries: at most {limit}")
        return value

    def offset(self, key: str) -> Offset:
        if self.data.get(key) is None:
            self.used.add(key)
            raise Malformed(self.where, f"open window: '{key}' is missing (every window closes)")
        try:
            return parse_offset(self.get(key))
        except OffsetError as error:
            raise Malformed(self.where, f"'{key}' {error}") from error

    def finish(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            raise Malformed(self.where, f"unknown field(s): {', '.join(unknown)}")


def parse_protocol(data: object) -> tuple[Protocol | None, list[Problem]]:
    """The protocol in ``data``, or None and every shape problem found."""
    found: list[Problem] = []
    try:
        top = Fields(data, "protocol")
        if top.get("format") != FORMAT:
            raise Malformed("protocol", f"'format' must be \"{FORMAT}\"")
        about = _about(top)
        sources = _each(top.array("sources", limit=LIMITS.sources), "sources", _source, found)
        notes = _each(
            top.array("needs_clinical_review", limit=LIMITS.review_notes),
            "needs_clinical_review",
            _note,
            found,
        )
        rules = _each(top.array("rules", limit=LIMITS.rules), "rules", _rule, found)
        count = sum(len(rule.activities) for rule in rules)
        if count > LIMITS.activities:
            raise Malformed("rules", f"{count} activities in all: at most {LIMITS.activities}")
        top.finish()
    except Malformed as error:
        return None, [*found, (error.where, error.reason)]
    if found:
        return None, found
    return Protocol(**about, sources=sources, needs_clinical_review=notes, rules=rules), []


def _each(
    raw: list[Any],
    where: str,
    read: Callable[[object, str, list[Problem]], T],
    found: list[Problem],
) -> tuple[T, ...]:
    """Read every entry of a list; an entry with a problem is noted and left out."""
    entries = []
    for index, entry in enumerate(raw):
        try:
            entries.append(read(entry, f"{where}[{index}]", found))
        except Malformed as error:
            found.append((error.where, error.reason))
    return tuple(entries)


def _about(top: Fields) -> dict[str, Any]:
    return {
        "id": top.string("id"),
        "version": top.string("version"),
        "title": top.string("title"),
        "description": top.string("description"),
        "review": _review(top.get("review")),
        "exposure_notes": _exposure_notes(top.get("exposure_notes")),
        "derived_from": _ref(top.get("derived_from", None)),
    }


def _review(data: object) -> Review:
    fields = Fields(data, "review")
    approved_on = fields.optional_string("approved_on")
    try:
        day = None if approved_on is None else date.fromisoformat(approved_on)
    except ValueError as error:
        raise Malformed("review", "'approved_on' must be a date (YYYY-MM-DD)") from error
    review = Review(
        status=fields.string("status"),
        approved_by=fields.optional_string("approved_by"),
        approved_on=day,
    )
    fields.finish()
    return review


def _exposure_notes(data: object) -> ExposureNotes:
    fields = Fields(data, "exposure_notes")
    notes = ExposureNotes(
        unknown=fields.string("unknown"), approximate=fields.string("approximate")
    )
    fields.finish()
    return notes


def _ref(data: object) -> ProtocolRef | None:
    if data is None:
        return None
    fields = Fields(data, "derived_from")
    ref = ProtocolRef(id=fields.string("id"), version=fields.string("version"))
    fields.finish()
    return ref


def _source(data: object, where: str, found: list[Problem]) -> Source:
    fields = Fields(data, where)
    fields.where = f"source {fields.string('id')}"
    source = Source(
        id=fields.string("id"),
        citation=fields.string("citation"),
        level=fields.string("level"),
        url=fields.optional_string("url"),
    )
    fields.finish()
    return source


def _note(data: object, where: str, found: list[Problem]) -> ReviewNote:
    fields = Fields(data, where)
    note = ReviewNote(source=fields.string("source"), note=fields.string("note"))
    fields.finish()
    return note


def _rule(data: object, where: str, found: list[Problem]) -> Rule:
    fields = Fields(data, where)
    rule_id = fields.string("id")
    fields.where = where = f"rule {rule_id}"
    title = fields.string("title")
    when = tuple(
        _clause(raw, f"{where}, condition {index + 1}")
        for index, raw in enumerate(fields.array("when", limit=LIMITS.conditions_per_rule))
    )
    activities = _each(
        fields.array("activities", limit=LIMITS.activities_per_rule),
        f"{where}, activities",
        _activity,
        found,
    )
    fields.finish()
    return Rule(id=rule_id, title=title, when=when, activities=activities)


def _clause(data: object, where: str) -> Clause:
    if isinstance(data, dict) and "any" in data:
        fields = Fields(data, where)
        raw = fields.array("any", limit=LIMITS.conditions_per_group)
        fields.finish()
        if any(isinstance(entry, dict) and "any" in entry for entry in raw):
            raise Malformed(where, "an 'any' group holds conditions, not other 'any' groups")
        return AnyOf(tuple(_condition(entry, where) for entry in raw))
    return _condition(data, where)


def _condition(data: object, where: str) -> Condition:
    fields = Fields(data, where)
    fact = fields.string("fact")
    present = [key for key in TESTS if key in fields.data]
    ranged = [key for key in ("at_least", "at_most") if key in fields.data]
    if len(present) + (1 if ranged else 0) != 1:
        raise Malformed(where, "give exactly one test: " + ", ".join([*TESTS, "at_least/at_most"]))
    if ranged:
        low = fields.integer("at_least") if "at_least" in ranged else None
        high = fields.integer("at_most") if "at_most" in ranged else None
        condition = Condition(fact, "range", low=low, high=high)
    elif present[0] in ("known", "empty"):
        condition = Condition(fact, present[0], flag=fields.boolean(present[0]))
    else:
        values = fields.array(present[0], limit=LIMITS.values_per_condition)
        if not all(value is None or isinstance(value, str | int | bool) for value in values):
            raise Malformed(
                where, f"'{present[0]}' takes a list of text, numbers, true/false or null"
            )
        if any(_too_large(value) for value in values):
            raise Malformed(
                where,
                f"'{present[0]}' holds a text over {LIMITS.other_chars} characters or a "
                f"number beyond {LIMITS.largest_number}",
            )
        condition = Condition(fact, present[0], values=tuple(values))
    fields.finish()
    return condition


def _too_large(value: object) -> bool:
    if isinstance(value, str):
        return len(value) > LIMITS.other_chars
    return isinstance(value, int) and abs(value) > LIMITS.largest_number


def _activity(data: object, where: str, found: list[Problem]) -> ActivitySpec:
    fields = Fields(data, where)
    activity_id = fields.string("id")
    fields.where = f"{where.rsplit(', activities', 1)[0]}, activity {activity_id}"
    activity = ActivitySpec(
        id=activity_id,
        code=fields.string("code"),
        title=fields.string("title"),
        anchor=_anchor(fields.get("from"), fields.where),
        earliest=fields.offset("earliest"),
        due=fields.offset("due"),
        latest=fields.offset("latest"),
        rationale=fields.string("rationale"),
        source=fields.string("source"),
        urgent=fields.boolean("urgent", False),
        offer=fields.boolean("offer", False),
        minimum_intervals=tuple(
            _interval(raw, fields.where)
            for raw in fields.array("minimum_intervals", [], limit=LIMITS.minimum_intervals)
        ),
    )
    fields.finish()
    return activity


def _anchor(data: object, where: str) -> Anchor:
    if isinstance(data, str):
        return Anchor(event=data)
    if not isinstance(data, dict):
        raise Malformed(where, '\'from\' must name an event or be {"activity": id, "point": ...}')
    fields = Fields(data, f"{where}, from")
    anchor = Anchor(activity=fields.string("activity"), point=fields.string("point", "due"))
    fields.finish()
    return anchor


def _interval(data: object, where: str) -> MinimumInterval:
    fields = Fields(data, f"{where}, minimum interval")
    after = fields.string("after")
    interval = MinimumInterval(after=after, interval=fields.offset("interval"))
    fields.finish()
    return interval


# --- Writing -------------------------------------------------------------------------------


def dump_protocol(protocol: Protocol) -> dict[str, Any]:
    """The protocol as file data: ``parse_protocol(dump_protocol(p))`` gives ``p`` back."""
    review = protocol.review
    return {
        "format": FORMAT,
        "id": protocol.id,
        "version": protocol.version,
        "title": protocol.title,
        "description": protocol.description,
        "derived_from": None
        if protocol.derived_from is None
        else {"id": protocol.derived_from.id, "version": protocol.derived_from.version},
        "review": {
            "status": review.status,
            "approved_by": review.approved_by,
            "approved_on": None if review.approved_on is None else review.approved_on.isoformat(),
        },
        "sources": [
            {"id": s.id, "citation": s.citation, "level": s.level, "url": s.url}
            for s in protocol.sources
        ],
        "needs_clinical_review": [
            {"source": note.source, "note": note.note} for note in protocol.needs_clinical_review
        ],
        "exposure_notes": {
            "unknown": protocol.exposure_notes.unknown,
            "approximate": protocol.exposure_notes.approximate,
        },
        "rules": [dump_rule(rule) for rule in protocol.rules],
    }


def dump_rule(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "title": rule.title,
        "when": [dump_clause(clause) for clause in rule.when],
        "activities": [dump_activity(activity) for activity in rule.activities],
    }


def dump_clause(clause: Clause) -> dict[str, Any]:
    if isinstance(clause, AnyOf):
        return {"any": [dump_clause(condition) for condition in clause.conditions]}
    data: dict[str, Any] = {"fact": clause.fact}
    if clause.test == "range":
        if clause.low is not None:
            data["at_least"] = clause.low
        if clause.high is not None:
            data["at_most"] = clause.high
    elif clause.test in ("known", "empty"):
        data[clause.test] = clause.flag
    else:
        data[clause.test] = list(clause.values)
    return data


def dump_activity(activity: ActivitySpec) -> dict[str, Any]:
    anchor = activity.anchor
    return {
        "id": activity.id,
        "code": activity.code,
        "title": activity.title,
        "from": anchor.event
        if anchor.event is not None
        else {"activity": anchor.activity, "point": anchor.point},
        "earliest": activity.earliest.text,
        "due": activity.due.text,
        "latest": activity.latest.text,
        "urgent": activity.urgent,
        "offer": activity.offer,
        "rationale": activity.rationale,
        "source": activity.source,
        "minimum_intervals": [
            {"after": interval.after, "interval": interval.interval.text}
            for interval in activity.minimum_intervals
        ],
    }
