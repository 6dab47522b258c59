"""The audit hash chain as pure functions: no ORM, no settings, plain values in and out.

Every audit entry carries ``sequence`` (1, 2, 3, ...), ``prev_hash`` (the previous entry's
``entry_hash``; 64 zeros for the first entry) and ``entry_hash``: the SHA-256 of a canonical
serialisation of everything the entry records plus its sequence and prev_hash. Editing an
entry breaks its own hash; deleting one leaves a gap in the sequence; moving one breaks the
link to its neighbour; dropping the newest ones falls short of the chain head.

The canonical form is JSON with sorted keys, no spaces, UTF-8, and times in UTC with
microseconds (``2026-01-31T14:05:09.000123Z``). It is versioned (``"v": 1``) so a future
format can be told apart from this one. Changing it invalidates every stored chain.

A sequence number that no entry holds (its transaction rolled back) is chained as a *gap*
link: the hash of ``{"gap": true, "prev_hash": ..., "sequence": n, "v": 1}``.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple
from uuid import UUID

FORMAT_VERSION = 1
GENESIS_HASH = "0" * 64
UTC = datetime.UTC


class Recorded(NamedTuple):
    """What one audit entry records: the fields the hash covers, besides its chain links."""

    at: datetime.datetime
    actor_id: int | None
    actor_label: str
    patient_id: UUID | None
    action: str
    object_type: str
    object_id: str
    category: str
    source_address: str | None
    outcome: str
    detail: str


class Stored(NamedTuple):
    """A link as read back from storage: an entry (what it records) or a gap (``None``)."""

    sequence: int
    prev_hash: str
    entry_hash: str
    recorded: Recorded | None


class Head(NamedTuple):
    """The chain head: the sequence and hash of the newest entry (0 and genesis when empty)."""

    sequence: int
    entry_hash: str


EMPTY_HEAD = Head(0, GENESIS_HASH)


def canonical_time(at: datetime.datetime) -> str:
    """A timezone-aware time in UTC, always with microseconds."""
    if at.tzinfo is None:
        raise ValueError("audit times must be timezone-aware")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_bytes(recorded: Recorded, *, sequence: int, prev_hash: str) -> bytes:
    """The exact bytes an entry's hash is computed over."""
    document = recorded._asdict()
    document.update(
        v=FORMAT_VERSION,
        sequence=sequence,
        prev_hash=prev_hash,
        at=canonical_time(recorded.at),
        patient_id=None if recorded.patient_id is None else str(recorded.patient_id),
    )
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def entry_hash(recorded: Recorded, *, sequence: int, prev_hash: str) -> str:
    """Hex SHA-256 of the canonical form: the value stored in ``entry_hash``."""
    return hashlib.sha256(
        canonical_bytes(recorded, sequence=sequence, prev_hash=prev_hash)
    ).hexdigest()


def gap_hash(*, sequence: int, prev_hash: str) -> str:
    """Hex SHA-256 of a gap link: a sequence number that holds no entry."""
    document = {"v": FORMAT_VERSION, "gap": True, "sequence": sequence, "prev_hash": prev_hash}
    text = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def link_hash(link: Stored) -> str:
    """What ``link.entry_hash`` must be, given its sequence, predecessor and content."""
    if link.recorded is None:
        return gap_hash(sequence=link.sequence, prev_hash=link.prev_hash)
    return entry_hash(link.recorded, sequence=link.sequence, prev_hash=link.prev_hash)


def next_link(head: Head, recorded: Recorded | None) -> Stored:
    """The link that follows ``head``: an entry, or a gap when ``recorded`` is ``None``."""
    sequence = head.sequence + 1
    unhashed = Stored(sequence, head.entry_hash, "", recorded)
    return unhashed._replace(entry_hash=link_hash(unhashed))


def build(records: Iterable[Recorded], head: Head = EMPTY_HEAD) -> list[Stored]:
    """Chain ``records`` one after the other from ``head`` (for back-fills, tests and benches)."""
    chain: list[Stored] = []
    for recorded in records:
        link = next_link(head, recorded)
        chain.append(link)
        head = Head(link.sequence, link.entry_hash)
    return chain


# --- Verification --------------------------------------------------------------------------


class BreakKind(StrEnum):
    EDITED = "edited"
    DELETED = "deleted"
    RELINKED = "relinked"
    TRUNCATED = "truncated"
    HEAD_MISMATCH = "head_mismatch"
    HEAD_MISSING = "head_missing"
    UNSEALED = "unsealed"
    REWRITTEN = "rewritten"
    CUT = "cut"
    HEAD_MOVED = "head_moved"
    CHECKPOINT_FORGED = "checkpoint_forged"


REASONS: dict[BreakKind, str] = {
    BreakKind.EDITED: "hash mismatch: the entry's content was edited after it was written",
    BreakKind.DELETED: "sequence gap: entries were deleted",
    BreakKind.RELINKED: (
        "prev_hash mismatch: the entry does not follow the one before it "
        "(entries were reordered, deleted or rewritten)"
    ),
    BreakKind.TRUNCATED: "the newest entries are missing: the chain ends before its head",
    BreakKind.HEAD_MISMATCH: "the chain head does not match the stored entry at its sequence",
    BreakKind.HEAD_MISSING: "the chain head row is missing although entries exist",
    BreakKind.UNSEALED: "an entry at or before the chain head has no hash (its hash was erased)",
    BreakKind.REWRITTEN: (
        "the chain does not match a checkpoint: it was rewritten with recomputed hashes"
    ),
    BreakKind.CUT: "entries a checkpoint covers are missing: the trail was cut or emptied",
    BreakKind.HEAD_MOVED: "the chain head is not where the newest checkpoint put it",
    BreakKind.CHECKPOINT_FORGED: "a checkpoint in the database is not authentic",
}


@dataclass(frozen=True)
class Break:
    """The first place the chain stops being trustworthy."""

    sequence: int
    kind: BreakKind
    detail: str = ""

    @property
    def reason(self) -> str:
        return REASONS[self.kind] + (f" ({self.detail})" if self.detail else "")


@dataclass(frozen=True)
class Verdict:
    """How many links were walked, the last good link, and the first break if any."""

    checked: int
    last: Head
    broken: Break | None = None
    gaps: int = 0
    anchors_matched: int = 0

    @property
    def intact(self) -> bool:
        return self.broken is None

    @property
    def entries(self) -> int:
        return self.checked - self.gaps


class Anchor(NamedTuple):
    """A checkpoint's claim: the link at ``sequence`` has ``head_hash`` (``where`` says whose)."""

    sequence: int
    head_hash: str
    where: str


def check_link(entry: Stored, expected: Head) -> Break | None:
    """Is ``entry`` the valid successor of ``expected``? Order of checks decides the reason."""
    want = expected.sequence + 1
    if entry.sequence != want:
        if entry.sequence > want:
            missing = f"{want}" if entry.sequence == want + 1 else f"{want}-{entry.sequence - 1}"
            return Break(want, BreakKind.DELETED, f"missing {missing}")
        return Break(entry.sequence, BreakKind.RELINKED, f"sequence {entry.sequence} out of order")
    if not entry.entry_hash:
        return Break(entry.sequence, BreakKind.UNSEALED)
    if entry.prev_hash != expected.entry_hash:
        return Break(entry.sequence, BreakKind.RELINKED)
    if link_hash(entry) != entry.entry_hash:
        return Break(entry.sequence, BreakKind.EDITED)
    return None


def check_head(last: Head, head: Head | None, head_hash_seen: str | None) -> Break | None:
    """Compare the walked chain with the stored head once every link up to it was checked.

    ``head_hash_seen`` is the stored hash of the link at ``head.sequence`` if the walk met it.
    ``head`` is ``None`` when no head row exists, which only an empty trail may lack.
    """
    if head is None:
        return Break(last.sequence, BreakKind.HEAD_MISSING) if last.sequence else None
    if last.sequence < head.sequence:
        return Break(last.sequence + 1, BreakKind.TRUNCATED, f"head is at {head.sequence}")
    if head.sequence and head_hash_seen != head.entry_hash:
        return Break(head.sequence, BreakKind.HEAD_MISMATCH)
    return None


class _Anchors:
    """Checkpoints met in sequence order during the walk."""

    def __init__(self, anchors: Iterable[Anchor]) -> None:
        self.pending = sorted(anchors, key=lambda anchor: anchor.sequence, reverse=True)
        self.matched = 0
        self.last_good = 0

    def meet(self, link: Stored) -> Break | None:
        while self.pending and self.pending[-1].sequence <= link.sequence:
            anchor = self.pending.pop()
            if anchor.sequence == link.sequence and anchor.head_hash != link.entry_hash:
                first = self.last_good + 1
                return Break(
                    first,
                    BreakKind.REWRITTEN,
                    f"entry {link.sequence} does not match {anchor.where}; "
                    f"entries {first}-{link.sequence} were rewritten",
                )
            self.matched += 1
            self.last_good = anchor.sequence
        return None

    def beyond(self, last: Head) -> Break | None:
        if not self.pending:
            return None
        anchor = self.pending[0]  # the newest
        return Break(
            last.sequence + 1,
            BreakKind.CUT,
            f"{anchor.where} covers entry {anchor.sequence}, the trail ends at {last.sequence}",
        )


def verify(entries: Iterable[Stored], head: Head | None, anchors: Iterable[Anchor] = ()) -> Verdict:
    """Walk the links up to ``head`` in sequence order and report the first broken one.

    ``entries`` must stop at ``head.sequence``: entries beyond it await sealing. Each anchor
    (a checkpoint) must name a link the walk meets, with that link's hash.
    """
    last = EMPTY_HEAD
    checked = gaps = 0
    head_hash_seen: str | None = None
    met = _Anchors(anchors)
    for entry in entries:
        broken = check_link(entry, last) or met.meet(entry)
        if broken is not None:
            return Verdict(checked, last, broken, gaps, met.matched)
        checked += 1
        gaps += entry.recorded is None
        last = Head(entry.sequence, entry.entry_hash)
        if head is not None and entry.sequence == head.sequence:
            head_hash_seen = entry.entry_hash
    broken = check_head(last, head, head_hash_seen) or met.beyond(last)
    return Verdict(checked, last, broken, gaps, met.matched)
