"""``lantern audit verify`` on a real database: intact chains pass, planted tampering is caught.

Runs on whichever database the suite runs on (SQLite, and PostgreSQL in CI), tampering through
raw SQL with the append-only triggers lifted for the purpose.
"""

from __future__ import annotations

import itertools
from io import StringIO

import pytest
from django.core.management import call_command

from lantern.audit import chain
from lantern.audit.models import Action, AuditChainHead, AuditEvent
from lantern.audit.services import audit_record
from lantern.audit.verification import verify_stored_chain
from lantern.cli import main
from tests.audit.tamper import sql, swap_contents, tampering


def verify(*args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("audit", "verify", *args, stdout=out, stderr=out)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_an_untouched_trail_verifies(trail):
    head = AuditChainHead.objects.get()
    status, output = verify()
    assert status == 0
    assert output.strip() == f"6 entries verified, chain intact (head {head.entry_hash[:16]})"


def test_an_empty_trail_verifies(db):
    assert verify() == (0, f"0 entries verified, chain intact (head {'0' * 16})\n")


def test_small_chunks_walk_the_whole_chain(trail):
    assert verify("--chunk-size", "2")[0] == 0


def test_the_lantern_command_runs_it(trail, capsys):
    main(["lantern", "audit", "verify"])
    assert "6 entries verified, chain intact" in capsys.readouterr().out


def test_entries_link_from_64_zeros_in_sequence(trail):
    rows = list(AuditEvent.objects.values_list("sequence", "prev_hash", "entry_hash"))
    assert [row[0] for row in rows] == [1, 2, 3, 4, 5, 6]
    assert rows[0][1] == chain.GENESIS_HASH
    assert all(after[1] == before[2] for before, after in itertools.pairwise(rows))


def edit_a_field():
    sql("UPDATE audit_auditevent SET detail = 'nothing to see' WHERE sequence = 3")


def edit_the_time():
    AuditEvent.objects.filter(sequence=4).update(at=AuditEvent.objects.get(sequence=1).at)


def edit_and_recompute_the_hash():
    entry = AuditEvent.objects.get(sequence=3)
    entry.detail = "nothing to see"
    digest = chain.entry_hash(entry.recorded(), sequence=3, prev_hash=entry.prev_hash)
    sql(
        "UPDATE audit_auditevent SET detail = %s, entry_hash = %s WHERE sequence = 3",
        ["nothing to see", digest],
    )


def delete_a_middle_row():
    sql("DELETE FROM audit_auditevent WHERE sequence = 3")


def delete_the_last_row():
    sql("DELETE FROM audit_auditevent WHERE sequence = 6")


def renumber_after_a_deletion():
    sql("DELETE FROM audit_auditevent WHERE sequence = 3")
    for sequence in (4, 5, 6):
        sql(
            "UPDATE audit_auditevent SET sequence = %s WHERE sequence = %s",
            [sequence - 1, sequence],
        )


def swap_two_rows():
    swap_contents(2, 5)


def swap_sequence_numbers():
    sql("UPDATE audit_auditevent SET sequence = 1000 WHERE sequence = 2")
    sql("UPDATE audit_auditevent SET sequence = 2 WHERE sequence = 4")
    sql("UPDATE audit_auditevent SET sequence = 4 WHERE sequence = 1000")


def roll_the_head_back():
    sql("UPDATE audit_auditchainhead SET entry_hash = %s", ["f" * 64])


def delete_the_head():
    sql("DELETE FROM audit_auditchainhead")


PLANTED = [
    # (tampering, sequence reported, words in the reason)
    (edit_a_field, 3, "hash mismatch"),
    (edit_the_time, 4, "hash mismatch"),
    (edit_and_recompute_the_hash, 4, "prev_hash mismatch"),
    (delete_a_middle_row, 3, "sequence gap"),
    (renumber_after_a_deletion, 3, "prev_hash mismatch"),
    (swap_two_rows, 2, "prev_hash mismatch"),
    (swap_sequence_numbers, 2, "prev_hash mismatch"),
    (delete_the_last_row, 6, "newest entries are missing"),
    (roll_the_head_back, 6, "chain head does not match"),
    (delete_the_head, 6, "head row is missing"),
]


@pytest.mark.parametrize(
    ("plant", "sequence", "reason"), PLANTED, ids=[plant.__name__ for plant, *_ in PLANTED]
)
def test_planted_tampering_is_caught_at_the_first_broken_link(trail, plant, sequence, reason):
    with tampering():
        plant()
    status, output = verify()
    assert status == 1
    assert f"Audit chain broken at entry {sequence}: " in output
    assert reason in output
    assert "chain intact" not in output


def test_the_verdict_counts_the_entries_before_the_break(trail):
    with tampering():
        delete_a_middle_row()
    verdict = verify_stored_chain()
    assert verdict.checked == 2
    assert verdict.last.sequence == 2


def test_entries_written_after_tampering_do_not_hide_it(trail):
    with tampering():
        edit_a_field()
    audit_record(action=Action.READ)
    status, output = verify()
    assert status == 1
    assert "entry 3" in output
