"""Reading the stored chain back for ``lantern audit verify``: streamed, never all at once.

The walk goes up to the chain head (entries after it await sealing), through entries and
gap links merged in sequence order, and meets every checkpoint: those in the database
(authenticated with ``LANTERN_AUDIT_KEY``, which the database does not hold) and, given a
checkpoint file, those outside it. The newest database checkpoint must be the head itself.
"""

from __future__ import annotations

import dataclasses
import datetime
import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from lantern.audit import chain, checkpoints
from lantern.audit.models import CHAIN_FIELDS, AuditChainHead, AuditCheckpoint, AuditEvent, AuditGap

DEFAULT_CHUNK_SIZE = 5000
# The sealer writes the file just after its commit: a checkpoint younger than this may
# be in the database and not yet in the file.
FILE_GRACE = datetime.timedelta(seconds=60)


def stored_head() -> chain.Head | None:
    head = AuditChainHead.objects.filter(pk=1).first()
    return None if head is None else head.as_head()


def stored_entries(
    chunk_size: int = DEFAULT_CHUNK_SIZE, up_to: int | None = None
) -> Iterator[chain.Stored]:
    """Every link (entries and gaps) in sequence order, fetched ``chunk_size`` rows at a time."""
    rows = AuditEvent.objects.order_by("sequence")
    gaps = AuditGap.objects.order_by("sequence")
    if up_to is not None:
        rows, gaps = rows.filter(sequence__lte=up_to), gaps.filter(sequence__lte=up_to)

    def entries() -> Iterator[chain.Stored]:
        values = rows.values_list(*CHAIN_FIELDS)
        for sequence, prev_hash, entry_hash, *recorded in values.iterator(chunk_size=chunk_size):
            yield chain.Stored(sequence, prev_hash, entry_hash, chain.Recorded(*recorded))

    def gap_links() -> Iterator[chain.Stored]:
        values = gaps.values_list("sequence", "prev_hash", "entry_hash")
        for sequence, prev_hash, entry_hash in values.iterator(chunk_size=chunk_size):
            yield chain.Stored(sequence, prev_hash, entry_hash, None)

    yield from heapq.merge(entries(), gap_links(), key=lambda link: link.sequence)


def verify_stored_chain(chunk_size: int = DEFAULT_CHUNK_SIZE) -> chain.Verdict:
    """The chain against its head and the database's checkpoints."""
    return audit_verify(chunk_size=chunk_size).verdict


@dataclass(frozen=True)
class Report:
    verdict: chain.Verdict
    head: chain.Head | None
    database_checkpoints: int
    file_checkpoints: int | None
    awaiting: int
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.verdict.intact and not self.problem


def audit_verify(
    *, chunk_size: int = DEFAULT_CHUNK_SIZE, checkpoint_file: Path | None = None
) -> Report:
    key = checkpoints.decode_key(settings.LANTERN_AUDIT_KEY)
    empty = chain.Verdict(0, chain.EMPTY_HEAD)
    outside: list[checkpoints.Checkpoint] = []
    if checkpoint_file is not None:
        try:
            outside = checkpoints.read_file(checkpoint_file, key)
        except checkpoints.CheckpointFileError as error:
            return Report(empty, None, 0, None, 0, problem=str(error))
    # Checkpoints are read before the head, the head before the entries: the sealer moves the
    # head and adds its checkpoint in one transaction, and writes the file after it, so
    # nothing read first can legitimately be ahead of what is read after it.
    inside = list(AuditCheckpoint.objects.order_by("sequence", "at"))
    head = stored_head()
    if head is not None and inside and inside[-1].sequence < head.sequence:
        inside += AuditCheckpoint.objects.filter(
            sequence__gt=inside[-1].sequence, sequence__lte=head.sequence
        ).order_by("sequence", "at")
    anchors = [
        chain.Anchor(
            c.sequence, c.head_hash, f"the checkpoint of {_when(c.at)} in {checkpoint_file}"
        )
        for c in outside
    ] + [
        chain.Anchor(c.sequence, c.head_hash, f"the database checkpoint of {_when(c.at)}")
        for c in inside
    ]
    forged = _forged(inside, key)
    if forged is not None:
        verdict = chain.Verdict(0, chain.EMPTY_HEAD, forged)
    else:
        links = stored_entries(chunk_size, up_to=head.sequence if head else None)
        verdict = chain.verify(links, head, anchors)
        cut = verdict.broken is not None and verdict.broken.kind == chain.BreakKind.CUT
        moved = _moved(inside, head) if verdict.intact or cut else None
        if moved is not None:
            verdict = dataclasses.replace(verdict, broken=moved)
    awaiting = AuditEvent.objects.filter(sequence__gt=head.sequence if head else 0).count()
    problem = _file_behind(outside, inside, checkpoint_file) if verdict.intact else ""
    return Report(
        verdict,
        head,
        len(inside),
        None if checkpoint_file is None else len(outside),
        awaiting,
        problem,
    )


def _when(at: datetime.datetime) -> str:
    return chain.canonical_time(at)


def _forged(inside: list[AuditCheckpoint], key: bytes) -> chain.Break | None:
    for row in inside:
        made = checkpoints.Checkpoint(row.sequence, row.head_hash, row.at, row.key_id, row.mac)
        if not made.authentic(key):
            why = (
                f"key id {row.key_id}, not this LANTERN_AUDIT_KEY's {checkpoints.key_id(key)}"
                if row.key_id != checkpoints.key_id(key)
                else "its authentication code does not match: it was altered or made up"
            )
            return chain.Break(row.sequence, chain.BreakKind.CHECKPOINT_FORGED, why)
    return None


def _moved(inside: list[AuditCheckpoint], head: chain.Head | None) -> chain.Break | None:
    """The sealer moves the head and stores its checkpoint in one transaction."""
    if not inside or head is None:
        return None
    newest = max(inside, key=lambda row: (row.sequence, row.at))
    if (newest.sequence, newest.head_hash) != tuple(head):
        return chain.Break(
            head.sequence,
            chain.BreakKind.HEAD_MOVED,
            f"the newest checkpoint is at entry {newest.sequence}",
        )
    return None


def _file_behind(
    outside: list[checkpoints.Checkpoint], inside: list[AuditCheckpoint], path: Path | None
) -> str:
    if path is None or not inside:
        return ""
    last = outside[-1].sequence if outside else 0
    settled = timezone.now() - FILE_GRACE
    newer = [row for row in inside if row.sequence > last and row.at < settled]
    if not newer:
        return ""
    return (
        f"checkpoint file {path} ends at entry {last} but the database holds checkpoints up "
        f"to entry {newer[-1].sequence}: the file was cut, or the sealer stopped before "
        "writing it (run 'lantern audit seal' to write the missing lines)"
    )
