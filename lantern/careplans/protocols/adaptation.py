"""A clinic's own copy of a protocol: copy, compare with the original, approve.

The steps a clinical lead follows: ``copy_protocol`` (a new id and version, derived from the
original, back to needing review), edit the copy's data, ``load_protocol`` it (the same
checks as a shipped file), read ``diff_protocols(original, copy)``, dry-run it with ``plan``,
then ``approve_protocol`` and publish it. Plans made before keep the id and version they
were made from; a new version never rewrites them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from lantern.careplans.protocols.conditions import describe_all
from lantern.careplans.protocols.model import APPROVED, NEEDS_CLINICAL_REVIEW, Protocol
from lantern.careplans.protocols.reading import dump_activity, dump_protocol
from lantern.careplans.protocols.registry import load_protocol

ACTIVITY_FIELDS = (
    "code",
    "title",
    "from",
    "earliest",
    "due",
    "latest",
    "urgent",
    "offer",
    "rationale",
    "source",
    "minimum_intervals",
)


def copy_protocol(
    protocol: Protocol, *, id: str, version: str = "1.0.0", title: str | None = None
) -> Protocol:
    """A copy under a new id and version, derived from ``protocol`` and needing review."""
    data = dump_protocol(protocol)
    data.update(
        id=id,
        version=version,
        title=title or protocol.title,
        derived_from={"id": protocol.id, "version": protocol.version},
        review={"status": NEEDS_CLINICAL_REVIEW, "approved_by": None, "approved_on": None},
    )
    return load_protocol(data, name=id)


def approve_protocol(protocol: Protocol, *, approved_by: str, approved_on: date) -> Protocol:
    """The same protocol, approved by a clinical lead on a date."""
    data = dump_protocol(protocol)
    data["review"] = {
        "status": APPROVED,
        "approved_by": approved_by,
        "approved_on": approved_on.isoformat(),
    }
    return load_protocol(data, name=protocol.id)


@dataclass(frozen=True)
class Change:
    """One difference: ``where`` (e.g. ``rule npep, activity hiv-npep``), ``field``, values.

    ``before`` is None for something added, ``after`` is None for something removed.
    """

    where: str
    field: str
    before: str | None
    after: str | None

    @property
    def kind(self) -> str:
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        return "changed"

    def __str__(self) -> str:
        place = f"{self.where}: {self.field}" if self.field else self.where
        if self.kind == "added":
            return f"+ {place}: {self.after}"
        if self.kind == "removed":
            return f"- {place}: {self.before}"
        return f"~ {place}: {self.before} -> {self.after}"


def diff_protocols(original: Protocol, adapted: Protocol) -> tuple[Change, ...]:
    """What ``adapted`` changes in ``original``, field by field, in the original's order."""
    before, after = dump_protocol(original), dump_protocol(adapted)
    changes = list(_header(before, after))
    changes += _keyed(
        "source", before["sources"], after["sources"], ("citation", "level", "url"), _cited
    )
    changes += _notes(before["needs_clinical_review"], after["needs_clinical_review"])
    changes += _rules(original, adapted)
    return tuple(changes)


def format_diff(changes: tuple[Change, ...]) -> str:
    """The changes as lines: ``+`` added, ``-`` removed, ``~`` changed."""
    return "\n".join(str(change) for change in changes) if changes else "no changes"


def _header(before: Mapping[str, Any], after: Mapping[str, Any]) -> Iterator[Change]:
    for name in ("id", "version", "title", "description"):
        yield from _field("protocol", name, before[name], after[name])
    yield from _field("protocol", "derived from", _ref(before), _ref(after))
    for name in ("status", "approved_by", "approved_on"):
        yield from _field("review", name, before["review"][name], after["review"][name])
    for name in ("unknown", "approximate"):
        yield from _field(
            "exposure notes", name, before["exposure_notes"][name], after["exposure_notes"][name]
        )


def _rules(original: Protocol, adapted: Protocol) -> Iterator[Change]:
    old = {rule.id: rule for rule in original.rules}
    new = {rule.id: rule for rule in adapted.rules}
    for rule_id, rule in old.items():
        where = f"rule {rule_id}"
        if rule_id not in new:
            yield Change(where, "", f"{rule.title} (when {describe_all(rule.when)})", None)
            continue
        other = new[rule_id]
        yield from _field(where, "title", rule.title, other.title)
        yield from _field(where, "when", describe_all(rule.when), describe_all(other.when))
        yield from _keyed(
            f"{where}, activity",
            [dump_activity(a) for a in rule.activities],
            [dump_activity(a) for a in other.activities],
            ACTIVITY_FIELDS,
            _planned_as,
        )
    for rule_id, rule in new.items():
        if rule_id not in old:
            yield Change(
                f"rule {rule_id}", "", None, f"{rule.title} (when {describe_all(rule.when)})"
            )
    if [r for r in old if r in new] != [r for r in new if r in old]:
        yield Change("rules", "order", ", ".join(old), ", ".join(new))


def _keyed(
    where: str,
    before: list[dict[str, Any]],
    after: list[dict[str, Any]],
    fields: tuple[str, ...],
    summary: Any,
) -> Iterator[Change]:
    """Entries matched by id: removed, changed field by field, added."""
    old = {entry["id"]: entry for entry in before}
    new = {entry["id"]: entry for entry in after}
    for key, entry in old.items():
        if key not in new:
            yield Change(f"{where} {key}", "", summary(entry), None)
            continue
        for name in fields:
            yield from _field(f"{where} {key}", name, entry[name], new[key][name])
    for key, entry in new.items():
        if key not in old:
            yield Change(f"{where} {key}", "", None, summary(entry))


def _notes(before: list[dict[str, str]], after: list[dict[str, str]]) -> Iterator[Change]:
    old = [(note["source"], note["note"]) for note in before]
    new = [(note["source"], note["note"]) for note in after]
    for source, note in old:
        if (source, note) not in new:
            yield Change(f"clinical review note on {source}", "", note, None)
    for source, note in new:
        if (source, note) not in old:
            yield Change(f"clinical review note on {source}", "", None, note)


def _field(where: str, name: str, before: object, after: object) -> Iterator[Change]:
    if before != after:
        yield Change(where, name, _text(before), _text(after))


def _text(value: object) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        if "activity" in value:
            return f"{value['point']} of {value['activity']}"
        return ", ".join(f"{k} {v}" for k, v in value.items())
    if isinstance(value, list):
        return "; ".join(_text(item) for item in value) or "(none)"
    return str(value)


def _ref(data: Mapping[str, Any]) -> str | None:
    ref = data["derived_from"]
    return None if ref is None else f"{ref['id']} {ref['version']}"


def _cited(entry: Mapping[str, Any]) -> str:
    return f"{entry['citation']} (level {entry['level']})"


def _planned_as(entry: Mapping[str, Any]) -> str:
    return (
        f"{entry['code']} '{entry['title']}', {entry['earliest']} to {entry['latest']} "
        f"(due {entry['due']}) from {_text(entry['from'])}"
    )
