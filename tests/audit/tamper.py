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


def rehash_from(first: int) -> None:
    """Recompute every link's hash from ``first`` on and move the head to match, as someone
    who knows the chain's format could (it is documented)."""
    from lantern.audit import chain
    from lantern.audit.models import AuditGap
    from lantern.audit.verification import stored_entries

    links = list(stored_entries())
    prev = chain.GENESIS_HASH
    for link in links:
        if link.sequence >= first:
            fresh = chain.link_hash(link._replace(prev_hash=prev))
            model = AuditEvent if link.recorded is not None else AuditGap
            model.objects.filter(sequence=link.sequence).update(prev_hash=prev, entry_hash=fresh)
            prev = fresh
        else:
            prev = link.entry_hash
    sql(
        "UPDATE audit_auditchainhead SET sequence = %s, entry_hash = %s",
        [links[-1].sequence if links else 0, prev],
    )
