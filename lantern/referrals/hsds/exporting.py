"""Writing one health system's directory as HSDS 3.0 JSON.

Two forms, each complete on its own (importing either gives back the same directory):

* ``objects``: one file per record, ``<table plural>/<id>.json``, links as ids.
* ``compiled``: one nested ("full") document per organisation,
  ``organizations/<id>.json``, with its services, locations and all their details inside;
  whatever cannot nest in an organisation (taxonomies and their terms, a location of no
  organisation, ...) is written per object beside them.

Lantern's own taxonomies are included, so the attributes that use them resolve.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

from django.db import models

from lantern.accounts.models import HealthSystem
from lantern.referrals.hsds import spec, validation

FORMS = ("objects", "compiled")


@dataclass
class Document:
    kind: str
    id: UUID
    body: dict[str, Any]

    def path(self) -> Path:
        return Path(spec.BY_NAME[self.kind].plural) / f"{self.id}.json"


@dataclass
class Snapshot:
    """Every record of one directory, loaded once, with the indexes that nesting needs."""

    rows: dict[str, list[Any]] = field(default_factory=dict)
    hsds: dict[str, dict[int, UUID]] = field(default_factory=dict)
    # (child table, back field, parent HSDS id) -> child rows
    children: dict[tuple[str, str, UUID], list[Any]] = field(default_factory=dict)

    def load(self, health_system: HealthSystem) -> Snapshot:
        for known in spec.TYPES:
            manager: Any = known.model._default_manager
            scope = models.Q(health_system=health_system)
            if known.name in spec.SHARED:
                scope |= models.Q(health_system__isnull=True)
            self.rows[known.name] = list(manager.filter(scope).order_by("pk"))
            self.hsds[known.name] = {row.pk: row.hsds_id for row in self.rows[known.name]}
        index: dict[tuple[str, str, UUID], list[Any]] = defaultdict(list)
        for known in spec.TYPES:
            for row in self.rows[known.name]:
                for link in known.links:
                    key = getattr(row, link.column)
                    if key is not None:
                        index[(known.name, link.field, self.hsds[link.target][key])].append(row)
                if known.polymorphic:
                    index[
                        (known.name, known.polymorphic[0], getattr(row, known.polymorphic[0]))
                    ].append(row)
        self.children = dict(index)
        return self

    def flat(self, kind: str, row: Any) -> dict[str, Any]:
        """One record as a per-object HSDS document: its own fields and its links as ids."""
        known = spec.BY_NAME[kind]
        required = validation.required(kind)
        body: dict[str, Any] = {"id": str(row.hsds_id)}
        for name in known.scalars:
            value = getattr(row, name)
            if name in known.numbers:
                if value is not None:
                    body[name] = int(value) if float(value).is_integer() else value
            elif value != "" or name in required:  # HSDS requires some, even when empty
                body[name] = value
        for link in known.links:
            key = getattr(row, link.column)
            if key is not None:
                body[link.field] = str(self.hsds[link.target][key])
        for name in (*known.soft_links, *(known.polymorphic or ())[:1]):
            value = getattr(row, name)
            if value is not None:
                body[name] = str(value)
        if known.polymorphic and not body.get(known.polymorphic[1]):
            body[known.polymorphic[1]] = row.linked_type
        return body


def per_object(snapshot: Snapshot) -> Iterator[Document]:
    for known in spec.TYPES:
        for row in snapshot.rows[known.name]:
            yield Document(known.name, row.hsds_id, snapshot.flat(known.name, row))


class _Nester:
    """Builds compiled documents, remembering which records they already hold."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.placed: set[tuple[str, UUID]] = set()

    def full(self, kind: str, row: Any, inside: tuple[str, ...] = ()) -> dict[str, Any]:
        known = spec.BY_NAME[kind]
        body = self.snapshot.flat(kind, row)
        self.placed.add((kind, row.hsds_id))
        for child in known.children:
            if child.type in inside:  # no cycles: a service's organisation is its parent
                continue
            found = self._children_of(kind, row.hsds_id, child)
            if found:
                path = (*inside, kind)
                body[child.key] = [self.full(child.type, item, path) for item in found]
        for nested in known.nested:
            target = self._nested(kind, row, nested)
            if target is not None and nested.type not in inside and nested.type != "service":
                body[nested.key] = self.full(nested.type, target, (*inside, kind, nested.type))
        return body

    def _children_of(self, kind: str, uid: UUID, child: spec.Child) -> list[Any]:
        rows = self.snapshot.children.get((child.type, child.back, uid), [])
        if child.back in {"link_id", "resource_id"}:
            rows = [row for row in rows if row.linked_type == kind]
        return rows

    def _nested(self, kind: str, row: Any, nested: spec.Nested) -> Any:
        # Only what a reader needs and the schema has: an attribute's term (with its
        # taxonomy) and a service-at-location's location. An organisation or a program
        # appears as its own document instead.
        if (kind, nested.key) not in {
            ("attribute", "taxonomy_term"),
            ("taxonomy_term", "taxonomy_detail"),
            ("service_at_location", "location"),
        }:
            return None
        link = spec.BY_NAME[kind].link(nested.field)
        key = getattr(row, link.column)
        if key is None:
            return None
        return next(r for r in self.snapshot.rows[nested.type] if r.pk == key)


def compiled(snapshot: Snapshot) -> Iterator[Document]:
    nester = _Nester(snapshot)
    for row in snapshot.rows["organization"]:
        yield Document("organization", row.hsds_id, nester.full("organization", row))
    # Whatever no organisation's document holds in full is written per object.
    placed = set(nester.placed)
    for known in spec.TYPES:
        for row in snapshot.rows[known.name]:
            if (known.name, row.hsds_id) not in placed:
                yield Document(known.name, row.hsds_id, snapshot.flat(known.name, row))


def documents(health_system: HealthSystem, form: str) -> list[Document]:
    snapshot = Snapshot().load(health_system)
    return list(per_object(snapshot) if form == "objects" else compiled(snapshot))


def write(documents: list[Document], folder: Path) -> list[Path]:
    written = []
    for document in documents:
        path = folder / document.path()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            json.dumps(document.body, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        written.append(path)
    return written
