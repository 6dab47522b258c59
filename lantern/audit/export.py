"""The audit report as CSV, streamed, with the SHA-256 of exactly the bytes sent.

Headers leave before the body, so the digest needs a first pass over the rows. That pass
also notes which entries it wrote, in order (8 bytes each); the streamed second pass fetches
those very entries again by sequence number. Entries never change, so it produces the same
bytes, even if someone's clinic or role changes in between and with it the report's scope.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from lantern.audit.models import AuditEvent, AuditEventQuerySet

CSV_COLUMNS = (
    "sequence",
    "time_utc",
    "user",
    "patient_id",
    "action",
    "object_type",
    "object_id",
    "category",
    "source_address",
    "outcome",
    "detail",
    "entry_hash",
)
VALUES = (
    "sequence",
    "at",
    "actor_label",
    "patient_id",
    "action",
    "object_type",
    "object_id",
    "category",
    "source_address",
    "outcome",
    "detail",
    "entry_hash",
)
ROWS_PER_CHUNK = 500
FETCH_BATCH = 1000
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Row = tuple[Any, ...]


def csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_chunks(rows: Iterable[Row]) -> Iterator[bytes]:
    """Header first, then the rows, as UTF-8 chunks of a few hundred rows each."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for count, row in enumerate(rows, start=1):
        writer.writerow([csv_cell(value) for value in row])
        if count % ROWS_PER_CHUNK == 0:
            yield _drain(buffer)
    yield _drain(buffer)


def _drain(buffer: io.StringIO) -> bytes:
    data = buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    return data


@dataclass(frozen=True)
class PreparedExport:
    """An export whose bytes are known: their digest and size, and the entries, in order."""

    order: array[int]
    sha256: str
    size: int

    def chunks(self) -> Iterator[bytes]:
        return csv_chunks(rows_in_order(self.order))


def prepare(entries: AuditEventQuerySet) -> PreparedExport:
    """Generate the export once to hash it, noting the entries it holds."""
    order: array[int] = array("q")
    hasher = hashlib.sha256()
    size = 0
    rows = entries.values_list(*VALUES).iterator(chunk_size=FETCH_BATCH)
    for chunk in csv_chunks(_noting(rows, order)):
        hasher.update(chunk)
        size += len(chunk)
    return PreparedExport(order, hasher.hexdigest(), size)


def _noting(rows: Iterable[Row], order: array[int]) -> Iterator[Row]:
    for row in rows:
        order.append(row[0])
        yield row


def rows_in_order(order: array[int]) -> Iterator[Row]:
    """The entries with these sequence numbers, in this order, a batch at a time."""
    for start in range(0, len(order), FETCH_BATCH):
        wanted = order[start : start + FETCH_BATCH]
        found = {
            row[0]: row
            for row in AuditEvent.objects.filter(sequence__in=wanted).values_list(*VALUES)
        }
        yield from (found[sequence] for sequence in wanted)
