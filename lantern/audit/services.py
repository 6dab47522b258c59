"""Writing the audit trail. Views call ``audit_record``; they never build entries themselves."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.db.models.expressions import RawSQL
from django.http import HttpRequest
from django.utils import timezone

from lantern.audit.append_only import ENTRY_COLUMNS
from lantern.audit.context import ShownRead, current_source_address, shown_read
from lantern.audit.models import ENTRY_SEQUENCE, Action, AuditEvent, Category, Outcome
from lantern.core.client_ip import client_ip


def source_address(request: HttpRequest | None) -> str | None:
    if request is None:
        return current_source_address.get()
    return client_ip(request)


def audit_record(
    *,
    action: Action,
    request: HttpRequest | None = None,
    actor: Any = None,
    patient_id: UUID | None = None,
    obj: models.Model | None = None,
    category: Category = Category.NONE,
    outcome: Outcome = Outcome.SUCCESS,
    detail: str = "",
) -> AuditEvent:
    """Append one entry. ``detail`` is for counts and codes, never for names or free text.

    ``actor`` is a staff account, or another accountable party with a ``get_username()``
    (a registered FHIR client): only staff accounts are linked, the others by label.
    """
    # Refusals raised before authentication runs (e.g. a bad Host header) have no user yet.
    user = getattr(request, "user", None)
    if actor is None and user is not None and user.is_authenticated:
        actor = user
    entry = AuditEvent(
        actor=actor if isinstance(actor, get_user_model()) and actor.pk else None,
        actor_label=actor.get_username() if actor is not None else "",
        patient_id=patient_id,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        category=category,
        source_address=source_address(request),
        outcome=outcome,
        detail=detail[:200],
    )
    return audit_append(entry)


def audit_read_shown(
    *,
    request: HttpRequest,
    patient_id: UUID,
    obj: models.Model | None = None,
    category: Category = Category.NONE,
    detail: str = "",
) -> None:
    """Record a read of the patient's data when this request's page shows it, once.

    The read is written as the answer goes out with status 200 (``AuditContextMiddleware``):
    a form shown again with its errors is a read, a redirect after a change is not. Called
    more than once while answering, the last call describes the read. Outside a request it
    is recorded at once.
    """
    pending = shown_read.get()
    if pending is None:
        audit_record(
            action=Action.READ,
            request=request,
            patient_id=patient_id,
            obj=obj,
            category=category,
            detail=detail,
        )
        return
    pending[:] = [ShownRead(patient_id, obj, category, detail)]


def audit_refused_method(request: HttpRequest, patient_id: UUID | None) -> AuditEvent:
    """A method the address does not accept (405): nothing was shown or changed."""
    attempted = Action.READ if request.method in ("GET", "HEAD", "OPTIONS") else Action.UPDATE
    return audit_record(
        action=attempted,
        request=request,
        patient_id=patient_id,
        outcome=Outcome.DENIED,
        detail=f"method {str(request.method)[:10]} not allowed",
    )


def audit_append(entry: AuditEvent) -> AuditEvent:
    """Store ``entry`` with the next sequence number: one INSERT, no lock on anything shared.

    Inside a caller's transaction the entry commits or rolls back with it (a rolled-back
    number becomes a gap for the sealer). If the INSERT fails the error propagates, so the
    read or change it would have recorded does not happen: the trail fails closed. The
    sealer links the entry into the hash chain afterwards (``lantern.audit.sealing``).
    """
    entry.at = timezone.now()
    if connection.vendor == "postgresql":
        _insert_postgresql(entry)
        return entry
    entry.sequence = next_sequence_expression()  # type: ignore[assignment]
    entry.save(force_insert=True)  # RETURNING gives back the number the database chose
    return entry


# What a request's entry carries: every column but the ones the database or the sealer fills.
_APPENDED = tuple(column for column in ENTRY_COLUMNS if column not in ("id", "sequence"))


def _postgresql_insert() -> str:
    # Built from the model's own (constant) column names: nothing from outside reaches it.
    table = AuditEvent._meta.db_table
    columns = ", ".join(_APPENDED)
    values = ", ".join(["%s"] * len(_APPENDED))
    return (
        f"INSERT INTO {table} ({columns}, sequence, prev_hash, entry_hash) "  # noqa: S608  # nosec B608
        f"VALUES ({values}, nextval('{ENTRY_SEQUENCE}'), '', '') RETURNING id, sequence"
    )


def _postgresql_insert_each() -> str:
    # Like ``_postgresql_insert``: constant column names, every value a parameter.
    table = AuditEvent._meta.db_table
    alike = [column for column in _APPENDED if column != "patient_id"]
    values = ", ".join(["%s"] * len(alike))
    return (
        f"INSERT INTO {table} ({', '.join(alike)}, patient_id, sequence, prev_hash, entry_hash) "  # noqa: S608  # nosec B608
        f"SELECT {values}, each.patient_id, each.sequence, '', '' "
        "FROM unnest(%s::uuid[], %s::bigint[]) WITH ORDINALITY AS each(patient_id, sequence, n) "
        "ORDER BY each.n"
    )


_POSTGRESQL_INSERT = _postgresql_insert()
_POSTGRESQL_INSERT_EACH = _postgresql_insert_each()
_APPENDED_FIELDS = [
    next(field for field in AuditEvent._meta.concrete_fields if field.column == column)
    for column in _APPENDED
]


def _insert_postgresql(entry: AuditEvent) -> None:
    """The same row ``entry.save()`` would write (each value prepared by its field), in one
    statement built once: on the request path the ORM's per-save work (signals, compiling
    the INSERT) cost more than the database's."""
    values = [
        field.get_db_prep_save(getattr(entry, field.attname), connection)
        for field in _APPENDED_FIELDS
    ]
    with connection.cursor() as cursor:
        cursor.execute(_POSTGRESQL_INSERT, values)
        entry.pk, entry.sequence = cursor.fetchone()
    entry._state.adding = False
    entry._state.db = connection.alias


def audit_append_many(entries: Iterable[AuditEvent]) -> int:
    """Append many entries (a bulk export's one per patient) in one INSERT, in order."""
    entries = list(entries)
    if not entries:
        return 0
    with transaction.atomic():
        now = timezone.now()
        for entry, sequence in zip(entries, next_sequences(len(entries)), strict=True):
            entry.at = now
            entry.sequence = sequence
        AuditEvent.objects.bulk_create(entries)
    return len(entries)


def audit_append_each(entry: AuditEvent, patient_ids: Sequence[UUID]) -> int:
    """Append ``entry`` once for each patient, in order: the rows ``audit_append_many``
    writes for copies of ``entry`` that differ only in ``patient_id`` (a bulk export's one
    entry per patient). On PostgreSQL that is one INSERT from an array of keys: building and
    binding a model for each patient cost more than the export's own reading."""
    if not patient_ids:
        return 0
    if connection.vendor != "postgresql":
        return audit_append_many(_copy_for(entry, patient_id) for patient_id in patient_ids)
    with transaction.atomic():
        entry.at = timezone.now()
        values = [
            field.get_db_prep_save(getattr(entry, field.attname), connection)
            for field in _APPENDED_FIELDS
            if field.attname != "patient_id"
        ]
        # UUIDs and integers: their text needs no quoting inside an array literal.
        keys = "{" + ",".join(map(str, patient_ids)) + "}"
        numbers = "{" + ",".join(map(str, next_sequences(len(patient_ids)))) + "}"
        with connection.cursor() as cursor:
            cursor.execute(_POSTGRESQL_INSERT_EACH, [*values, keys, numbers])
    return len(patient_ids)


def _copy_for(entry: AuditEvent, patient_id: UUID) -> AuditEvent:
    values = {field.attname: getattr(entry, field.attname) for field in _APPENDED_FIELDS}
    return AuditEvent(**(values | {"patient_id": patient_id}))


def next_sequence_expression() -> RawSQL:
    """The next entry number, worked out by the database inside the INSERT itself."""
    if connection.vendor == "postgresql":
        # A constant name: nothing from outside reaches this SQL.
        return RawSQL(f"nextval('{ENTRY_SEQUENCE}')", (), output_field=models.BigIntegerField())  # noqa: S611  # nosec B611
    # SQLite admits one writer at a time: the largest number so far is stable in the INSERT.
    return RawSQL(
        "(SELECT COALESCE(MAX(sequence), 0) + 1 FROM audit_auditevent)",
        (),
        output_field=models.BigIntegerField(),
    )


def next_sequences(count: int) -> list[int]:
    """``count`` new entry numbers, ascending (inside a transaction on SQLite)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT nextval('{ENTRY_SEQUENCE}') FROM generate_series(1, %s)",  # noqa: S608  # nosec B608
                [count],
            )
            return sorted(int(row[0]) for row in cursor.fetchall())
        cursor.execute("SELECT COALESCE(MAX(sequence), 0) FROM audit_auditevent")
        (largest,) = cursor.fetchone()
    return list(range(int(largest) + 1, int(largest) + 1 + count))


def audit_reads_listed(
    *,
    request: HttpRequest,
    patient_ids: Iterable[UUID],
    category: Category,
    detail: str,
    action: Action = Action.READ,
    obj: models.Model | None = None,
) -> int:
    """A page that lists patients by name is a read of each patient listed: one entry per
    patient, appended together (a constant number of queries however many are listed)."""
    user = getattr(request, "user", None)
    address = source_address(request)
    entries = [
        AuditEvent(
            actor=user,
            actor_label=user.get_username() if user is not None else "",
            patient_id=patient_id,
            action=action,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            category=category,
            source_address=address,
            outcome=Outcome.SUCCESS,
            detail=detail[:200],
        )
        for patient_id in dict.fromkeys(patient_ids)
    ]
    return audit_append_many(entries)
