"""The sealer: links appended entries into the hash chain, in sequence order, batch by batch.

Each batch is one transaction: it locks the chain head, fills in the hashes of the next
entries (``chain.next_link``, as ever), records each number a rolled-back transaction used
as a gap link, moves the head and stores the batch's checkpoint. A sealer that dies half
way leaves nothing half-sealed: the transaction rolls back whole. After the commit the
checkpoint goes to the file (and syslog); if the sealer died in between, the next pass
writes the checkpoints the file is missing.

A missing number is only a gap once no transaction could still commit it: on PostgreSQL,
when no transaction that began before the batch read the entries is still open; SQLite
admits one writer at a time, so there it is settled as soon as a later entry is visible.

Runs as ``lantern audit seal`` (one pass, or ``--follow`` under ``lantern serve``).
"""

from __future__ import annotations

import datetime
import logging
import syslog
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from lantern.audit import chain, checkpoints
from lantern.audit.models import (
    RECORDED_FIELDS,
    AuditChainHead,
    AuditCheckpoint,
    AuditEvent,
    AuditGap,
)
from lantern.audit.services import next_sequences
from lantern.audit.signals import sealer_lagging
from lantern.core.bulk import RowWriter

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Batch:
    """What one sealed batch added: entries, gaps, and the checkpoint that ends it."""

    entries: int
    gaps: int
    checkpoint: checkpoints.Checkpoint


@dataclass(frozen=True)
class Pass:
    """One sealing pass: every batch it sealed, and how far behind the trail still is."""

    batches: list[Batch]
    head: chain.Head
    waiting_since: datetime.datetime | None

    @property
    def entries(self) -> int:
        return sum(batch.entries for batch in self.batches)

    @property
    def gaps(self) -> int:
        return sum(batch.gaps for batch in self.batches)

    def lag(self, now: datetime.datetime) -> float:
        """Seconds the oldest unsealed entry has waited (0 when all are sealed)."""
        return 0.0 if self.waiting_since is None else (now - self.waiting_since).total_seconds()


def audit_seal(*, batch_size: int | None = None, alarm: bool = True) -> Pass:
    """Seal everything that can be sealed now, then alarm if an entry has waited too long."""
    size = batch_size or settings.LANTERN_AUDIT_SEAL_BATCH
    write_missing_checkpoints()
    batches: list[Batch] = []
    adopted = anchor_unanchored_head()
    if adopted is not None:
        batches.append(adopted)
        _to_sinks([adopted.checkpoint])
    while (batch := seal_batch(size)) is not None:
        batches.append(batch)
        _to_sinks([batch.checkpoint])
        if batch.entries + batch.gaps < size:
            break
    head = _head()
    oldest = (
        AuditEvent.objects.filter(sequence__gt=head.sequence)
        .order_by("sequence")
        .values_list("at", flat=True)
        .first()
    )
    done = Pass(batches, head, oldest)
    if alarm:
        alarm_if_lagging(done)
    return done


def seal_batch(size: int) -> Batch | None:
    """Seal up to ``size`` links after the head in one transaction; ``None`` if none can be."""
    key = checkpoints.decode_key(settings.LANTERN_AUDIT_KEY)
    with transaction.atomic():
        head_row, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        observed = _database_now()
        rows = list(
            AuditEvent.objects.filter(sequence__gt=head_row.sequence)
            .order_by("sequence")
            .values_list("sequence", *RECORDED_FIELDS)[:size]
        )
        links = _links(head_row.as_head(), rows, observed)
        if not links:
            return None
        _store(links)
        last = links[-1]
        head_row.sequence, head_row.entry_hash = last.sequence, last.entry_hash
        head_row.save(update_fields=("sequence", "entry_hash"))
        made = _checkpoint(key, chain.Head(last.sequence, last.entry_hash))
    gaps = sum(1 for link in links if link.recorded is None)
    return Batch(len(links) - gaps, gaps, made)


def audit_append_sealed(records: Iterable[chain.Recorded], *, batch_size: int | None = None) -> int:
    """Append entries of a history that already happened (``lantern seed``'s synthetic
    trail) and seal them as they go in: the rows, links, head and checkpoints are the ones
    appending each entry and letting the sealer link it would leave, without writing every
    row twice. Returns how many were appended.

    Each batch is one transaction holding the chain head, like a sealer's. A batch is sealed
    on the way in only when nothing awaits sealing and it received the numbers right after
    the head; otherwise (another writer's entry or a rolled-back number in between) it is
    appended unsealed and ``audit_seal`` links it, gaps included.
    """
    size = batch_size or settings.LANTERN_AUDIT_SEAL_BATCH
    appended = 0
    pending: list[chain.Recorded] = []
    for recorded in records:
        pending.append(recorded)
        if len(pending) == size:
            appended += _append_batch(pending)
            pending = []
    if pending:
        appended += _append_batch(pending)
    if AuditEvent.objects.filter(sequence__gt=_head().sequence).exists():
        audit_seal(alarm=False)
    return appended


def _append_batch(batch: list[chain.Recorded]) -> int:
    key = checkpoints.decode_key(settings.LANTERN_AUDIT_KEY)
    made = None
    with transaction.atomic():
        head_row, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        head = head_row.as_head()
        waiting = AuditEvent.objects.filter(sequence__gt=head.sequence).exists()
        numbers = next_sequences(len(batch))
        if waiting or numbers != list(range(head.sequence + 1, head.sequence + 1 + len(batch))):
            AuditEvent.objects.bulk_create(
                AuditEvent(**recorded._asdict(), sequence=number)
                for recorded, number in zip(batch, numbers, strict=True)
            )
        else:
            links = chain.build(batch, head)
            columns = (*RECORDED_FIELDS, "sequence", "prev_hash", "entry_hash")
            RowWriter(AuditEvent, columns).write(
                (*link.recorded, link.sequence, link.prev_hash, link.entry_hash)  # type: ignore[misc]  # entries, no gaps
                for link in links
            )
            head_row.sequence, head_row.entry_hash = links[-1].sequence, links[-1].entry_hash
            head_row.save(update_fields=("sequence", "entry_hash"))
            made = _checkpoint(key, head_row.as_head())
    if made is not None:
        _to_sinks([made])
    return len(batch)


class SealingRefused(Exception):
    """The stored chain is broken: the sealer will not extend or anchor it."""


def anchor_unanchored_head() -> Batch | None:
    """A chain sealed before checkpoints existed (entries chained by the old way of writing)
    gets its first checkpoint, once the whole chain up to its head has verified."""
    from lantern.audit.verification import stored_entries

    if AuditCheckpoint.objects.exists():
        return None
    key = checkpoints.decode_key(settings.LANTERN_AUDIT_KEY)
    with transaction.atomic():
        head_row = AuditChainHead.objects.select_for_update().filter(pk=1).first()
        if head_row is None or head_row.sequence == 0:
            return None
        head = head_row.as_head()
        verdict = chain.verify(stored_entries(up_to=head.sequence), head)
        if verdict.broken is not None:
            raise SealingRefused(
                f"the audit chain is broken at entry {verdict.broken.sequence}: "
                f"{verdict.broken.reason}; it will not be anchored"
            )
        made = _checkpoint(key, head)
    return Batch(0, 0, made)


def _checkpoint(key: bytes, head: chain.Head) -> checkpoints.Checkpoint:
    made = checkpoints.make(
        key, sequence=head.sequence, head_hash=head.entry_hash, at=timezone.now()
    )
    AuditCheckpoint.objects.create(
        sequence=made.sequence,
        head_hash=made.head_hash,
        at=made.at,
        key_id=made.key_id,
        mac=made.mac,
    )
    return made


def _links(
    head: chain.Head, rows: list[tuple[object, ...]], observed: datetime.datetime
) -> list[chain.Stored]:
    """The chain links for ``rows``, gaps included, up to the first number not yet settled."""
    links: list[chain.Stored] = []
    missing: list[int] = []
    for sequence, *recorded in rows:
        assert isinstance(sequence, int)  # noqa: S101  (a sequence column)
        while head.sequence + 1 < sequence:
            if not missing and not _no_transaction_older_than(observed):
                return links  # the number may still commit: seal up to before it
            missing.append(head.sequence + 1)
            head = _append(links, chain.next_link(head, None))
        head = _append(links, chain.next_link(head, chain.Recorded(*recorded)))  # type: ignore[arg-type]
    if missing:
        # A transaction may have committed a missing number between the read and the check.
        arrived = AuditEvent.objects.filter(sequence__in=missing).order_by("sequence")
        first = arrived.values_list("sequence", flat=True).first()
        if first is not None:
            return [link for link in links if link.sequence < first]
    return links


def _append(links: list[chain.Stored], link: chain.Stored) -> chain.Head:
    links.append(link)
    return chain.Head(link.sequence, link.entry_hash)


def _no_transaction_older_than(observed: datetime.datetime) -> bool:
    """Has every transaction that could hold an unseen number finished?"""
    if connection.vendor != "postgresql":
        return True  # SQLite: the sealer's own transaction holds the only write lock
    with connection.cursor() as cursor:
        cursor.execute(
            # Sessions of Lantern's own role (the only one that appends entries): a role sees
            # other roles' sessions without their state, which would block every gap.
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND usename = current_user "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend' "
            "AND state IS DISTINCT FROM 'idle' AND (xact_start IS NULL OR xact_start < %s)",
            [observed],
        )
        (older,) = cursor.fetchone()
    return int(older) == 0


def _database_now() -> datetime.datetime:
    if connection.vendor != "postgresql":
        return timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        (now,) = cursor.fetchone()
    return now  # type: ignore[no-any-return]


def _store(links: list[chain.Stored]) -> None:
    entries = [(link.sequence, link.prev_hash, link.entry_hash) for link in links if link.recorded]
    AuditGap.objects.bulk_create(
        AuditGap(sequence=link.sequence, prev_hash=link.prev_hash, entry_hash=link.entry_hash)
        for link in links
        if link.recorded is None
    )
    if not entries:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            values = ", ".join(["(%s::bigint, %s, %s)"] * len(entries))
            cursor.execute(
                "UPDATE audit_auditevent AS e SET prev_hash = v.p, entry_hash = v.h "  # noqa: S608  # nosec B608
                f"FROM (VALUES {values}) AS v(s, p, h) "
                "WHERE e.sequence = v.s AND e.entry_hash = ''",
                [value for entry in entries for value in entry],
            )
            updated = cursor.rowcount
        else:
            cursor.executemany(
                "UPDATE audit_auditevent SET prev_hash = %s, entry_hash = %s "
                "WHERE sequence = %s AND entry_hash = ''",
                [(p, h, s) for s, p, h in entries],
            )
            updated = (
                AuditEvent.objects.filter(sequence__in=[s for s, _, _ in entries])
                .exclude(entry_hash="")
                .count()
            )
    if updated != len(entries):
        raise RuntimeError(f"sealing expected to link {len(entries)} entries, linked {updated}")


def _head() -> chain.Head:
    row = AuditChainHead.objects.filter(pk=1).first()
    return chain.EMPTY_HEAD if row is None else row.as_head()


# --- Sinks outside the database ----------------------------------------------------------


def checkpoint_file() -> Path | None:
    configured = settings.LANTERN_AUDIT_CHECKPOINT_FILE
    return None if configured is None else Path(configured)


def _to_sinks(made: list[checkpoints.Checkpoint]) -> None:
    if not made:
        return
    path = checkpoint_file()
    if path is not None:
        checkpoints.append(path, made)
    if settings.LANTERN_AUDIT_SYSLOG:
        for checkpoint in made:
            syslog.syslog(
                syslog.LOG_AUTHPRIV | syslog.LOG_NOTICE,
                "lantern-audit-checkpoint " + checkpoint.line().strip(),
            )


def write_missing_checkpoints() -> int:
    """Checkpoints the database holds but the file lacks (a sealer that died after its
    commit): appended in order. They were authenticated when made; the key proves it."""
    path = checkpoint_file()
    if path is None:
        return 0
    last = checkpoints.last_in_file(path)
    newer = AuditCheckpoint.objects.order_by("sequence", "at")
    if last is not None:
        newer = newer.filter(sequence__gt=last.sequence)
    missing = [
        checkpoints.Checkpoint(row.sequence, row.head_hash, row.at, row.key_id, row.mac)
        for row in newer
    ]
    _to_sinks(missing)
    return len(missing)


# --- Lag ---------------------------------------------------------------------------------


def alarm_if_lagging(done: Pass) -> bool:
    """Tell the privacy officers when the oldest unsealed entry has waited too long."""
    limit = settings.LANTERN_AUDIT_SEAL_ALARM
    lag = done.lag(timezone.now())
    if lag <= limit:
        return False
    log.warning("audit sealing is %.0f s behind (limit %s s)", lag, limit)
    sealer_lagging.send(sender=Pass, lag_seconds=lag, limit_seconds=limit, head=done.head)
    return True
