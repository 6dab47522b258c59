"""Reading the stored chain back for ``lantern audit verify``: streamed, never all at once."""

from __future__ import annotations

from collections.abc import Iterator

from lantern.audit import chain
from lantern.audit.models import CHAIN_FIELDS, AuditChainHead, AuditEvent

DEFAULT_CHUNK_SIZE = 5000


def stored_head() -> chain.Head | None:
    head = AuditChainHead.objects.filter(pk=1).first()
    return None if head is None else head.as_head()


def stored_entries(chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[chain.Stored]:
    """Every entry in sequence order, fetched ``chunk_size`` rows at a time."""
    rows = AuditEvent.objects.order_by("sequence").values_list(*CHAIN_FIELDS)
    for sequence, prev_hash, entry_hash, *recorded in rows.iterator(chunk_size=chunk_size):
        yield chain.Stored(sequence, prev_hash, entry_hash, chain.Recorded(*recorded))


def verify_stored_chain(chunk_size: int = DEFAULT_CHUNK_SIZE) -> chain.Verdict:
    # The head is read first: entries appended during the walk then only extend past it.
    head = stored_head()
    return chain.verify(stored_entries(chunk_size), head)
