"""Reading HSDS JSON files into flat records, with every problem found on the way.

Both JSON forms are read the same way: a per-object file (``services/x.json``, or an
array of objects, or an API page with ``contents``) and a compiled ("full") document with
its children nested. Every object met anywhere becomes one record per (table, id); a
nested child gets its parent's id in the field that points back (a phone nested in a
service gets ``service_id``). An object met twice (upstream nests the same phone under
several parents) merges into one record, unless the copies contradict each other.

Nothing here touches the database: ``lantern.referrals.hsds.importing`` resolves links
and writes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

from lantern.referrals.hsds import spec, validation


@dataclass(frozen=True)
class Problem:
    """One row of an import report."""

    file: str
    object: str
    field: str
    problem: str

    def as_row(self) -> tuple[str, str, str, str]:
        return (self.file, self.object, self.field, self.problem)


@dataclass
class Record:
    kind: str
    id: UUID
    values: dict[str, Any]
    file: str
    pointer: str
    # For attributes and metadata nested in an object: that object's (table, id).
    nested_in: tuple[str, UUID] | None = None

    @property
    def label(self) -> str:
        return f"{self.kind} {self.id}"


@dataclass
class Collection:
    records: dict[tuple[str, UUID], Record] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    documents: int = 0

    def of_kind(self, kind: str) -> list[Record]:
        return [record for (k, _id), record in self.records.items() if k == kind]

    def has(self, kind: str, uid: UUID) -> bool:
        return (kind, uid) in self.records

    def problem(self, record: Record, field_name: str, text: str) -> None:
        self.problems.append(Problem(record.file, record.label, field_name, text))


def as_uuid(value: Any) -> UUID | None:
    """``value`` as a UUID when it is one written the HSDS way (hyphenated), else None."""
    if not isinstance(value, str) or len(value) != 36:
        return None
    try:
        return UUID(value)
    except ValueError:
        return None


# --- Files ----------------------------------------------------------------------------------


def json_files(paths: Iterable[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*.json") if p.is_file())
        else:
            found.append(path)
    return found


_NAMES = sorted(
    [(kind.name, kind.name) for kind in spec.TYPES]
    + [(kind.plural, kind.name) for kind in spec.TYPES]
    + [("service_at_locations", "service_at_location")],  # the API's name for them
    key=lambda pair: len(pair[0]),
    reverse=True,
)


def kind_of(path: Path) -> str | None:
    """The HSDS table a file holds, from its name (``organization_full-1.json``) or folder."""
    for candidate in (path.stem.lower(), path.parent.name.lower()):
        for name, kind in _NAMES:
            rest = candidate.removeprefix(name)
            if rest != candidate and (not rest or not rest[0].isalpha()):
                return kind
    return None


def read(paths: Iterable[Path], base: Path | None = None) -> Collection:
    """Read every JSON file under ``paths`` into one collection of records and problems."""
    collection = Collection()
    for path in json_files(paths):
        shown = str(path.relative_to(base)) if base and path.is_relative_to(base) else str(path)
        _read_file(collection, path, shown)
    return collection


def _read_file(collection: Collection, path: Path, shown: str) -> None:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        collection.problems.append(Problem(shown, "", "", f"not readable as JSON: {error}"))
        return
    kind = kind_of(path)
    if kind is None:
        collection.problems.append(
            Problem(
                shown,
                "",
                "",
                "cannot tell which HSDS object the file holds: name it after the object "
                "(organization-1.json, services_full.json) or put it in a folder named so "
                "(organizations/)",
            )
        )
        return
    for pointer, item in _items(document):
        collection.documents += 1
        read_document(collection, kind, item, shown, pointer)


def _items(document: Any) -> Iterator[tuple[str, Any]]:
    """The objects of a file: one object, an array of them, or an API page's ``contents``."""
    if isinstance(document, dict) and isinstance(document.get("contents"), list):
        for index, item in enumerate(document["contents"]):
            yield f"/contents/{index}", item
    elif isinstance(document, list):
        for index, item in enumerate(document):
            yield f"/{index}", item
    else:
        yield "", document


# --- Documents ------------------------------------------------------------------------------


def read_document(collection: Collection, kind: str, document: Any, file: str, at: str) -> None:
    """Check one document against its schema, then flatten it into the collection."""
    schema_problems = list(validation.errors(kind, document))
    for error in schema_problems:
        where = _locate(kind, document, error.path)
        collection.problems.append(
            Problem(file, where, error.field, f"{error.message} (at {at}{error.path or '/'})")
        )
    if not schema_problems:
        _walk(collection, kind, document, file, at, None)


def _locate(kind: str, document: Any, pointer: str) -> str:
    """The innermost object a JSON pointer falls in, named by table and id (or position)."""
    label_kind, node, node_at = kind, document, ""
    current_kind, current, current_at = kind, document, ""
    for part in [p for p in pointer.split("/") if p]:
        if isinstance(current, dict):
            child = _child_kind(current_kind, part)
            current = current.get(part)
            current_at += f"/{part}"
            if child is None:
                break
            current_kind = child
            if isinstance(current, dict):
                label_kind, node, node_at = current_kind, current, current_at
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
            current_at += f"/{part}"
            if isinstance(current, dict):
                label_kind, node, node_at = current_kind, current, current_at
        else:
            break
    uid = as_uuid(node.get("id")) if isinstance(node, dict) else None
    return f"{label_kind} {uid}" if uid else f"{label_kind} at {node_at or '/'}"


def _child_kind(kind: str, key: str) -> str | None:
    known = spec.BY_NAME[kind]
    for child in known.children:
        if child.key == key:
            return child.type
    for nested in known.nested:
        if nested.key == key:
            return nested.type
    return None


def _walk(
    collection: Collection,
    kind: str,
    node: dict[str, Any],
    file: str,
    at: str,
    parent: tuple[str, UUID, str] | None,
) -> UUID | None:
    known = spec.BY_NAME[kind]
    uid = as_uuid(node.get("id"))
    if uid is None:  # the schema check reported it
        return None
    record = Record(kind, uid, _own_values(known, node), file, at or "/")
    if parent is not None:
        parent_kind, parent_id, back = parent
        _set(collection, record, back, str(parent_id))
        if known.polymorphic:
            record.nested_in = (parent_kind, parent_id)
            if not record.values.get(known.polymorphic[1]):
                record.values[known.polymorphic[1]] = parent_kind
    for nested in known.nested:
        inner = node.get(nested.key)
        if isinstance(inner, dict):
            inner_id = _walk(collection, nested.type, inner, file, f"{at}/{nested.key}", None)
            if inner_id is not None:
                _set(collection, record, nested.field, str(inner_id))
    _merge(collection, record)
    for child in known.children:
        for index, item in enumerate(node.get(child.key) or ()):
            if isinstance(item, dict):
                where = f"{at}/{child.key}/{index}"
                _walk(collection, child.type, item, file, where, (kind, uid, child.back))
    return uid


def _own_values(known: spec.ObjectType, node: dict[str, Any]) -> dict[str, Any]:
    names = [*known.scalars, *(link.field for link in known.links), *known.soft_links]
    if known.polymorphic:
        names.append(known.polymorphic[0])
    return {name: node[name] for name in names if name in node and node[name] is not None}


def _set(collection: Collection, record: Record, name: str, value: str) -> None:
    given = record.values.get(name)
    if given is not None and as_uuid(given) != as_uuid(value):
        collection.problem(record, name, f"says {given} but the object is nested in {value}")
    else:
        record.values[name] = value


def _same(one: Any, other: Any) -> bool:
    if isinstance(one, int | float) and isinstance(other, int | float):
        return float(one) == float(other)
    if isinstance(one, str) and isinstance(other, str) and as_uuid(one) and as_uuid(other):
        return as_uuid(one) == as_uuid(other)
    return bool(one == other)


def _merge(collection: Collection, record: Record) -> None:
    key = (record.kind, record.id)
    seen = collection.records.get(key)
    if seen is None:
        collection.records[key] = record
        return
    for name, value in record.values.items():
        if name in seen.values and not _same(seen.values[name], value):
            collection.problem(
                record,
                name,
                f"appears more than once with different values "
                f"({seen.values[name]!r} at {seen.file} {seen.pointer}, "
                f"{value!r} at {record.file} {record.pointer})",
            )
        else:
            seen.values[name] = value
    if seen.nested_in is None:
        seen.nested_in = record.nested_in
