"""Tampering with the audit trail behind Lantern's back, as someone at the database could."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

from lantern.audit import append_only
from lantern.audit.models import RECORDED_FIELDS, AuditEvent

# Everything an entry holds apart from its row id and its place in the sequence.
CONTENT = (*RECORDED_FIELDS, "prev_hash", "entry_hash")


@contextmanager
def tampering() -> Iterator[None]:
    """The append-only triggers lifted, inside the test's transaction."""
    with append_only.suspended(connection):
        yield


def sql(statement: str, params: list[object] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def swap_contents(first: int, second: int) -> None:
    a = AuditEvent.objects.filter(sequence=first).values(*CONTENT).get()
    b = AuditEvent.objects.filter(sequence=second).values(*CONTENT).get()
    AuditEvent.objects.filter(sequence=first).update(**b)
    AuditEvent.objects.filter(sequence=second).update(**a)
