"""Importing HSDS records into one health system's directory: all of them, or none.

Every record read is checked before anything is written: links must resolve to a record in
the files or already in the directory (a service's organisation, an attribute's taxonomy
term, a phone's parent...), every child must have a parent, and Lantern's own taxonomies
cannot be changed. Any problem refuses the whole import with every problem listed. A
record already in the directory (same HSDS id) is replaced by what the files say; records
the files do not mention are left as they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

from django.db import models, transaction

from lantern.accounts.models import HealthSystem
from lantern.referrals import schedules
from lantern.referrals.hsds import spec
from lantern.referrals.hsds.reading import (
    Collection,
    Problem,
    Record,
    as_uuid,
    read,
    read_document,
)
from lantern.referrals.languages import lantern_code
from lantern.referrals.vocabulary import lantern_vocabulary_ensure

Known = dict[str, dict[UUID, int]]  # table -> HSDS id -> database key


@dataclass
class ImportResult:
    problems: list[Problem]
    documents: int = 0
    created: int = 0
    updated: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


class ImportRefused(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def directory_import(
    *,
    health_system: HealthSystem,
    paths: Iterable[Path] = (),
    base: Path | None = None,
    documents: Sequence[tuple[str, Any]] = (),
) -> ImportResult:
    """Read, check and write HSDS files (and ``documents``, as (table, JSON value) pairs)
    into ``health_system``'s directory, in one transaction."""
    collection = read(list(paths), base)
    for index, (kind, document) in enumerate(documents):
        collection.documents += 1
        read_document(collection, kind, document, f"document {index + 1}", "")
    result = ImportResult(collection.problems, collection.documents)
    if not collection.records and not collection.problems:
        result.problems = [Problem("", "", "", "no HSDS objects found")]
    if not collection.records:
        return result
    try:
        with transaction.atomic():
            lantern_vocabulary_ensure()
            known = _known(health_system)
            problems = check(collection, known)
            if problems:
                raise ImportRefused(problems)
            result.created, result.updated = _write(health_system, collection, known)
    except ImportRefused as refused:
        result.problems = refused.problems
    return result


# --- What is already there -----------------------------------------------------------------


def _scope(kind: str, health_system: HealthSystem) -> models.QuerySet[Any]:
    manager: Any = spec.BY_NAME[kind].model._default_manager
    scope = models.Q(health_system=health_system)
    if kind in spec.SHARED:
        scope |= models.Q(health_system__isnull=True)
    found: models.QuerySet[Any] = manager.filter(scope)
    return found


def _known(health_system: HealthSystem) -> Known:
    """Every record of the directory (and Lantern's vocabularies), by table: id -> key."""
    return {
        kind: dict(_scope(kind, health_system).values_list("hsds_id", "pk"))
        for kind in spec.WRITE_ORDER
    }


# --- Checks ----------------------------------------------------------------------------------


def _exists(collection: Collection, known: Known, kind: str, uid: UUID) -> bool:
    return collection.has(kind, uid) or uid in known[kind]


def check(collection: Collection, known: Known) -> list[Problem]:
    for record in collection.records.values():
        known_type = spec.BY_NAME[record.kind]
        _check_links(collection, known, record, known_type)
        if known_type.polymorphic:
            resolve_polymorphic(collection, known, record, known_type)
        if known_type.one_parent_of and not any(
            record.values.get(name) for name in known_type.one_parent_of
        ):
            collection.problem(
                record,
                known_type.one_parent_of[0],
                f"a {record.kind} must belong to a "
                + " or ".join(name.removesuffix("_id") for name in known_type.one_parent_of),
            )
    _check_lantern_vocabulary(collection)
    return collection.problems


def _check_links(
    collection: Collection, known: Known, record: Record, known_type: spec.ObjectType
) -> None:
    for name in known_type.required_links:
        if not record.values.get(name):
            target = known_type.link(name).target
            collection.problem(record, name, f"a {record.kind} must name its {target}")
    for link in known_type.links:
        uid = as_uuid(record.values.get(link.field))
        if uid is not None and not _exists(collection, known, link.target, uid):
            what = "taxonomy term" if link.target == "taxonomy_term" else link.target
            collection.problem(
                record, link.field, f"unknown {what}: {uid} is not in the files or the directory"
            )


def resolve_polymorphic(
    collection: Collection, known: Known, record: Record, known_type: spec.ObjectType
) -> None:
    """Work out which record an attribute or metadata entry is about (``linked_type``)."""
    id_field, type_field = known_type.polymorphic or ("", "")
    if record.nested_in is not None:
        record.values["linked_type"] = record.nested_in[0]
        return
    uid = as_uuid(record.values.get(id_field))
    if uid is None:
        collection.problem(record, id_field, f"a {record.kind} must name the record it is about")
        return
    named = str(record.values.get(type_field) or "")
    if named in spec.BY_NAME and _exists(collection, known, named, uid):
        record.values["linked_type"] = named
        return
    found = [kind for kind in spec.WRITE_ORDER if _exists(collection, known, kind, uid)]
    if len(found) == 1:
        record.values["linked_type"] = found[0]
    elif not found:
        collection.problem(record, id_field, f"{uid} is not in the files or the directory")
    else:
        collection.problem(record, id_field, f"{uid} names records in {', '.join(found)}")


def _check_lantern_vocabulary(collection: Collection) -> None:
    from lantern.referrals import taxonomy

    for record in collection.records.values():
        if record.kind == "taxonomy" and record.id in taxonomy.LANTERN_TAXONOMY_IDS:
            theirs = next(t for t in taxonomy.TAXONOMIES if t.id == record.id)
            _same_as_lantern(collection, record, {"name": theirs.name})
        elif record.kind == "taxonomy_term" and record.id in taxonomy.BY_ID:
            term = taxonomy.BY_ID[record.id]
            ours = {"name": term.name, "taxonomy_id": str(term.taxonomy.id)}
            _same_as_lantern(collection, record, ours)


def _same_as_lantern(collection: Collection, record: Record, ours: dict[str, str]) -> None:
    for name, value in ours.items():
        given = record.values.get(name)
        if given is not None and str(given) != value:
            collection.problem(
                record, name, "Lantern's own taxonomy cannot be changed by an import"
            )


# --- Writing ---------------------------------------------------------------------------------


def _write(health_system: HealthSystem, collection: Collection, known: Known) -> tuple[int, int]:
    from lantern.referrals import taxonomy

    lantern_ids = taxonomy.LANTERN_TAXONOMY_IDS | set(taxonomy.BY_ID)
    created = updated = 0
    for kind in spec.WRITE_ORDER:
        known_type = spec.BY_NAME[kind]
        records = [r for r in collection.of_kind(kind) if r.id not in lantern_ids]
        if not records:
            continue
        keys = [known[kind][r.id] for r in records if r.id in known[kind]]
        manager: Any = known_type.model._default_manager
        existing: dict[UUID, Any] = {
            obj.hsds_id: obj for chunk in _chunks(keys) for obj in manager.filter(pk__in=chunk)
        }
        fresh: list[Any] = []
        changed: list[Any] = []
        for record in records:
            obj = existing.get(record.id) or known_type.model(
                health_system=health_system, hsds_id=record.id
            )
            for name, value in model_values(known_type, record.values, known).items():
                setattr(obj, name, value)
            (changed if obj.pk else fresh).append(obj)
        model: Any = known_type.model
        model._default_manager.bulk_create(fresh, batch_size=500)
        if changed:
            model._default_manager.bulk_update(changed, _columns(known_type), batch_size=500)
        known[kind].update({obj.hsds_id: obj.pk for obj in [*fresh, *changed]})
        created, updated = created + len(fresh), updated + len(changed)
    return created, updated


def _columns(known_type: spec.ObjectType) -> list[str]:
    names = [*known_type.scalars, *known_type.soft_links]
    names += [link.attr for link in known_type.links]
    if known_type.polymorphic:
        names += [known_type.polymorphic[0], "linked_type"]
    names += list(DERIVED.get(known_type.name, ()))
    return names


def model_values(
    known_type: spec.ObjectType, values: dict[str, Any], known: Known
) -> dict[str, Any]:
    """The model fields for one record's HSDS values (absent fields are emptied)."""
    out: dict[str, Any] = {}
    for name in known_type.scalars:
        value = values.get(name)
        if name in known_type.numbers:
            out[name] = None if value is None else float(value)
        else:
            out[name] = "" if value is None else str(value)
    for name in known_type.soft_links:
        out[name] = as_uuid(values.get(name))
    for link in known_type.links:
        uid = as_uuid(values.get(link.field))
        out[link.column] = None if uid is None else known[link.target][uid]
    if known_type.polymorphic:
        out[known_type.polymorphic[0]] = as_uuid(values.get(known_type.polymorphic[0]))
        out["linked_type"] = values.get("linked_type", "")
    out.update(derived(known_type.name, out))
    return out


DERIVED: dict[str, tuple[str, ...]] = {
    "schedule": schedules.DERIVED_FIELDS,
    "language": ("lantern_code",),
}


def derived(kind: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Lantern's own columns worked out from the HSDS ones (opening hours, language codes)."""
    if kind == "schedule":
        return schedules.derived(fields)
    if kind == "language":
        return {"lantern_code": lantern_code(fields.get("code", ""), fields.get("name", ""))}
    return {}


def _chunks(items: list[Any], size: int = 500) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
