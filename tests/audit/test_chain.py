"""The hash chain's pure functions: canonical form, linking, and finding the first break."""

from __future__ import annotations

import datetime
import hashlib
import itertools
import uuid
from zoneinfo import ZoneInfo

import pytest

from lantern.audit import chain
from lantern.audit.chain import BreakKind, Head, Recorded, Stored

PATIENT = uuid.UUID("12345678-1234-5678-1234-567812345678")
WHEN = datetime.datetime(2026, 1, 31, 14, 5, 9, 123, tzinfo=datetime.UTC)
SAMPLE = Recorded(
    at=WHEN,
    actor_id=7,
    actor_label="clinician",
    patient_id=PATIENT,
    action="read",
    object_type="patients.patient",
    object_id=str(PATIENT),
    category="identity",
    source_address="192.0.2.10",
    outcome="success",
    detail="",
)


def records(count: int) -> list[Recorded]:
    return [
        SAMPLE._replace(at=WHEN + datetime.timedelta(seconds=n), detail=f"entry {n}")
        for n in range(count)
    ]


# --- Canonical form --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (WHEN, "2026-01-31T14:05:09.000123Z"),
        (
            datetime.datetime(2026, 1, 31, 9, 5, 9, tzinfo=ZoneInfo("America/New_York")),
            "2026-01-31T14:05:09.000000Z",
        ),
        (
            datetime.datetime(2026, 7, 1, 0, 0, tzinfo=ZoneInfo("Europe/Madrid")),
            "2026-06-30T22:00:00.000000Z",
        ),
    ],
)
def test_times_are_written_in_utc_with_microseconds(at, expected):
    assert chain.canonical_time(at) == expected


def test_a_naive_time_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        chain.canonical_time(datetime.datetime(2026, 1, 31, 14, 5))


def test_the_canonical_form_is_sorted_compact_json_and_its_hash_is_stable():
    data = chain.canonical_bytes(SAMPLE, sequence=1, prev_hash=chain.GENESIS_HASH)
    assert data == (
        b'{"action":"read","actor_id":7,"actor_label":"clinician",'
        b'"at":"2026-01-31T14:05:09.000123Z","category":"identity","detail":"",'
        b'"object_id":"12345678-1234-5678-1234-567812345678","object_type":"patients.patient",'
        b'"outcome":"success","patient_id":"12345678-1234-5678-1234-567812345678",'
        b'"prev_hash":"0000000000000000000000000000000000000000000000000000000000000000",'
        b'"sequence":1,"source_address":"192.0.2.10","v":1}'
    )
    # A change to the format changes this value and would orphan every stored chain.
    assert chain.entry_hash(SAMPLE, sequence=1, prev_hash=chain.GENESIS_HASH) == (
        "e69c81c34572e5720114e70e304f50f05a194a110fa57c26a0b31eb9cf8bc1a1"
    )
    assert chain.entry_hash(SAMPLE, sequence=1, prev_hash=chain.GENESIS_HASH) == (
        hashlib.sha256(data).hexdigest()
    )


def test_non_ascii_text_is_hashed_as_utf8():
    recorded = SAMPLE._replace(actor_label="josé.núñez")
    data = chain.canonical_bytes(recorded, sequence=1, prev_hash=chain.GENESIS_HASH)
    assert "josé.núñez".encode() in data


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("at", WHEN + datetime.timedelta(microseconds=1)),
        ("actor_id", 8),
        ("actor_id", None),
        ("actor_label", "colleague"),
        ("patient_id", uuid.UUID(int=1)),
        ("patient_id", None),
        ("action", "update"),
        ("object_type", "patients.patientalias"),
        ("object_id", "99"),
        ("category", "sdv"),
        ("source_address", "192.0.2.11"),
        ("source_address", None),
        ("outcome", "denied"),
        ("detail", "2 results"),
    ],
)
def test_every_recorded_field_is_covered_by_the_hash(field, value):
    original = chain.entry_hash(SAMPLE, sequence=5, prev_hash="a" * 64)
    changed = SAMPLE._replace(**{field: value})
    assert chain.entry_hash(changed, sequence=5, prev_hash="a" * 64) != original


@pytest.mark.parametrize(("sequence", "prev_hash"), [(6, "a" * 64), (5, "b" * 64)])
def test_position_and_link_are_covered_by_the_hash(sequence, prev_hash):
    original = chain.entry_hash(SAMPLE, sequence=5, prev_hash="a" * 64)
    assert chain.entry_hash(SAMPLE, sequence=sequence, prev_hash=prev_hash) != original


# --- Linking ----------------------------------------------------------------------------------


def test_a_chain_starts_at_one_from_64_zeros_and_each_entry_links_to_the_last():
    built = chain.build(records(4))
    assert [link.sequence for link in built] == [1, 2, 3, 4]
    assert built[0].prev_hash == "0" * 64
    for before, after in itertools.pairwise(built):
        assert after.prev_hash == before.entry_hash
    assert all(len(link.entry_hash) == 64 for link in built)


def test_a_chain_continues_from_a_head():
    first = chain.build(records(2))
    head = Head(first[-1].sequence, first[-1].entry_hash)
    more = chain.build(records(2), head)
    assert [link.sequence for link in more] == [3, 4]
    assert more[0].prev_hash == first[-1].entry_hash


# --- Verification ----------------------------------------------------------------------------


def head_of(entries: list[Stored]) -> Head:
    return Head(entries[-1].sequence, entries[-1].entry_hash) if entries else chain.EMPTY_HEAD


def edit(entries: list[Stored], index: int) -> None:
    entry = entries[index]
    entries[index] = entry._replace(recorded=entry.recorded._replace(detail="changed"))


def edit_and_rehash(entries: list[Stored], index: int) -> None:
    entry = entries[index]
    recorded = entry.recorded._replace(detail="changed")
    digest = chain.entry_hash(recorded, sequence=entry.sequence, prev_hash=entry.prev_hash)
    entries[index] = entry._replace(recorded=recorded, entry_hash=digest)


def swap_contents(entries: list[Stored], first: int, second: int) -> None:
    a, b = entries[first], entries[second]
    entries[first] = b._replace(sequence=a.sequence)
    entries[second] = a._replace(sequence=b.sequence)


TAMPERING = [
    # (what was done, how, where verification must stop, and why)
    ("edit entry 3", lambda e: edit(e, 2), 3, BreakKind.EDITED),
    ("edit the first entry", lambda e: edit(e, 0), 1, BreakKind.EDITED),
    ("edit the last entry", lambda e: edit(e, 5), 6, BreakKind.EDITED),
    ("edit entry 3 and recompute its hash", lambda e: edit_and_rehash(e, 2), 4, BreakKind.RELINKED),
    ("delete entry 3", lambda e: e.pop(2), 3, BreakKind.DELETED),
    ("delete entries 2 to 4", lambda e: e.__delitem__(slice(1, 4)), 2, BreakKind.DELETED),
    ("delete the first entry", lambda e: e.pop(0), 1, BreakKind.DELETED),
    (
        "swap the contents of entries 2 and 5",
        lambda e: swap_contents(e, 1, 4),
        2,
        BreakKind.RELINKED,
    ),
    ("swap neighbours 3 and 4", lambda e: swap_contents(e, 2, 3), 3, BreakKind.RELINKED),
]


@pytest.mark.parametrize(
    ("tampering", "sequence", "kind"),
    [(how, sequence, kind) for _, how, sequence, kind in TAMPERING],
    ids=[name for name, *_ in TAMPERING],
)
def test_verification_reports_the_first_broken_link(tampering, sequence, kind):
    entries = chain.build(records(6))
    head = head_of(entries)
    tampering(entries)
    verdict = chain.verify(entries, head)
    assert verdict.broken is not None
    assert (verdict.broken.sequence, verdict.broken.kind) == (sequence, kind)
    assert verdict.checked == sequence - 1


def test_an_untouched_chain_verifies():
    entries = chain.build(records(6))
    verdict = chain.verify(entries, head_of(entries))
    assert verdict.intact
    assert verdict.checked == 6
    assert verdict.last == head_of(entries)


def test_an_empty_trail_verifies_with_or_without_a_head():
    assert chain.verify([], chain.EMPTY_HEAD).intact
    assert chain.verify([], None).intact


def test_dropping_the_newest_entries_falls_short_of_the_head():
    entries = chain.build(records(6))
    verdict = chain.verify(entries[:4], head_of(entries))
    assert verdict.broken == chain.Break(5, BreakKind.TRUNCATED, "head is at 6")
    assert "newest entries are missing" in verdict.broken.reason


def test_entries_appended_during_the_walk_extend_past_the_head():
    entries = chain.build(records(6))
    verdict = chain.verify(entries, head_of(entries[:4]))
    assert verdict.intact
    assert verdict.checked == 6


def test_a_head_that_disagrees_with_the_entry_at_its_sequence_is_reported():
    entries = chain.build(records(6))
    verdict = chain.verify(entries, Head(4, "f" * 64))
    assert verdict.broken == chain.Break(4, BreakKind.HEAD_MISMATCH)


def test_entries_without_a_head_are_reported():
    entries = chain.build(records(3))
    verdict = chain.verify(entries, None)
    assert verdict.broken == chain.Break(3, BreakKind.HEAD_MISSING)


def test_a_sequence_that_goes_backwards_is_out_of_order():
    entries = chain.build(records(3))
    stray = entries[0]._replace(sequence=0)
    verdict = chain.verify([stray, *entries], head_of(entries))
    assert verdict.broken == chain.Break(0, BreakKind.RELINKED, "sequence 0 out of order")


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        (BreakKind.EDITED, "hash mismatch"),
        (BreakKind.DELETED, "sequence gap"),
        (BreakKind.RELINKED, "prev_hash mismatch"),
        (BreakKind.TRUNCATED, "newest entries are missing"),
        (BreakKind.HEAD_MISMATCH, "chain head does not match"),
        (BreakKind.HEAD_MISSING, "head row is missing"),
    ],
)
def test_every_kind_of_break_has_a_reason_an_operator_can_read(kind, words):
    assert words in chain.Break(1, kind).reason
