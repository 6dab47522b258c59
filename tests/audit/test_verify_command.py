"""``lantern audit verify`` on a real database: intact chains pass, planted tampering is caught.

Every attack runs twice: against the database alone (its own checkpoints, authenticated with
a key it does not hold) and with the checkpoint file kept outside it. Where only the file can
show an attack, the test says so. Tampering goes through raw SQL with the append-only
triggers lifted for the purpose, on whichever database the suite runs on.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from lantern.audit import chain
from lantern.audit.models import Action, AuditChainHead, AuditEvent
from lantern.audit.services import audit_record
from lantern.audit.verification import verify_stored_chain
from lantern.cli import main
from tests.audit.tamper import rehash_from, sql, swap_contents, tampering


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
    assert (
        output.splitlines()[0] == f"6 entries verified, chain intact (head {head.entry_hash[:16]})"
    )
    assert "Agrees with 2 checkpoint(s) in the database" in output


def test_an_untouched_trail_agrees_with_its_checkpoint_file(trail, checkpoint_file):
    status, output = verify("--checkpoints", str(checkpoint_file))
    assert status == 0
    assert f"Agrees with 2 checkpoint(s) in {checkpoint_file} and 2 in the database." in output


def test_an_empty_trail_verifies(db):
    status, output = verify()
    assert status == 0
    assert output.splitlines()[0] == f"0 entries verified, chain intact (head {'0' * 16})"


def test_unsealed_entries_are_counted_not_walked(trail):
    audit_record(action=Action.READ)
    status, output = verify()
    assert status == 0
    assert "6 entries verified" in output
    assert "1 newer entries await sealing." in output


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


# --- The attacks -------------------------------------------------------------------------


def edit_a_field():
    sql("UPDATE audit_auditevent SET detail = 'nothing to see' WHERE sequence = 3")


def edit_the_time():
    AuditEvent.objects.filter(sequence=4).update(at=AuditEvent.objects.get(sequence=1).at)


def edit_and_recompute_the_hash():
    entry = AuditEvent.objects.get(sequence=5)
    entry.detail = "nothing to see"
    digest = chain.entry_hash(entry.recorded(), sequence=5, prev_hash=entry.prev_hash)
    sql(
        "UPDATE audit_auditevent SET detail = %s, entry_hash = %s WHERE sequence = 5",
        ["nothing to see", digest],
    )


def erase_a_hash():
    sql("UPDATE audit_auditevent SET entry_hash = '' WHERE sequence = 2")


def delete_a_middle_row():
    sql("DELETE FROM audit_auditevent WHERE sequence = 3")


def delete_and_call_it_a_gap():
    entry = AuditEvent.objects.get(sequence=3)
    sql("DELETE FROM audit_auditevent WHERE sequence = 3")
    sql(
        "INSERT INTO audit_auditgap (sequence, prev_hash, entry_hash, recorded_at) "
        "VALUES (3, %s, %s, %s)",
        [entry.prev_hash, chain.gap_hash(sequence=3, prev_hash=entry.prev_hash), entry.at],
    )


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


def insert_an_entry():
    for sequence in (6, 5):
        sql(
            "UPDATE audit_auditevent SET sequence = %s WHERE sequence = %s",
            [sequence + 1, sequence],
        )
    before = AuditEvent.objects.get(sequence=4)
    planted = AuditEvent(
        at=before.at, action=Action.READ, detail="planted", sequence=5, prev_hash=before.entry_hash
    )
    planted.entry_hash = chain.entry_hash(
        planted.recorded(), sequence=5, prev_hash=before.entry_hash
    )
    AuditEvent.objects.bulk_create([planted])


def insert_a_gap_link_beside_an_entry():
    entry = AuditEvent.objects.get(sequence=4)
    sql(
        "INSERT INTO audit_auditgap (sequence, prev_hash, entry_hash, recorded_at) "
        "VALUES (4, %s, %s, %s)",
        [entry.prev_hash, chain.gap_hash(sequence=4, prev_hash=entry.prev_hash), entry.at],
    )


def cut_the_tail_and_its_checkpoint():
    head = AuditEvent.objects.get(sequence=3)
    sql("DELETE FROM audit_auditevent WHERE sequence > 3")
    sql("DELETE FROM audit_auditcheckpoint WHERE sequence > 3")
    sql("UPDATE audit_auditchainhead SET sequence = 3, entry_hash = %s", [head.entry_hash])


def change_the_heads_hash():
    sql("UPDATE audit_auditchainhead SET entry_hash = %s", ["f" * 64])


def move_the_head_back():
    head = AuditEvent.objects.get(sequence=3)
    sql("UPDATE audit_auditchainhead SET sequence = 3, entry_hash = %s", [head.entry_hash])


def delete_the_head():
    sql("DELETE FROM audit_auditchainhead")


def empty_the_entries():
    sql("DELETE FROM audit_auditevent")


def empty_everything():
    for table in ("auditevent", "auditgap", "auditcheckpoint", "auditchainhead"):
        sql(f"DELETE FROM audit_{table}")


def rewrite_everything():
    sql("UPDATE audit_auditevent SET detail = 'nothing to see'")
    rehash_from(1)


def rewrite_everything_and_its_checkpoints():
    rewrite_everything()
    sql("DELETE FROM audit_auditcheckpoint")


def alter_a_checkpoint():
    sql("UPDATE audit_auditcheckpoint SET head_hash = %s WHERE sequence = 3", ["e" * 64])


Expected = tuple[int, str] | None  # (entry named, words of the reason); None: it verifies

ATTACKS: list[tuple[Callable[[], None], Expected, Expected]] = [
    # (attack, without the file, with the file)
    (edit_a_field, (3, "hash mismatch"), (3, "hash mismatch")),
    (edit_the_time, (4, "hash mismatch"), (4, "hash mismatch")),
    (edit_and_recompute_the_hash, (6, "prev_hash mismatch"), (6, "prev_hash mismatch")),
    (erase_a_hash, (2, "has no hash"), (2, "has no hash")),
    (delete_a_middle_row, (3, "sequence gap"), (3, "sequence gap")),
    # The gap link's hash differs from the entry's, which the checkpoint at 3 remembers.
    (delete_and_call_it_a_gap, (1, "entries 1-3 were rewritten"), (1, "1-3 were rewritten")),
    (delete_the_last_row, (6, "newest entries are missing"), (6, "newest entries are missing")),
    (renumber_after_a_deletion, (3, "prev_hash mismatch"), (3, "prev_hash mismatch")),
    (swap_two_rows, (2, "prev_hash mismatch"), (2, "prev_hash mismatch")),
    (swap_sequence_numbers, (2, "prev_hash mismatch"), (2, "prev_hash mismatch")),
    (insert_an_entry, (6, "prev_hash mismatch"), (6, "prev_hash mismatch")),
    (insert_a_gap_link_beside_an_entry, (4, "out of order"), (4, "out of order")),
    # Only the file outside the database remembers entries cut together with their checkpoint.
    (cut_the_tail_and_its_checkpoint, None, (4, "covers entry 6, the trail ends at 3")),
    (change_the_heads_hash, (6, "chain head does not match"), (6, "chain head does not match")),
    (move_the_head_back, (3, "newest checkpoint is at entry 6"), (3, "checkpoint is at entry 6")),
    (delete_the_head, (6, "head row is missing"), (6, "head row is missing")),
    (empty_the_entries, (1, "newest entries are missing"), (1, "newest entries are missing")),
    (empty_everything, None, (1, "covers entry 6, the trail ends at 0")),
    (rewrite_everything, (1, "entries 1-3 were rewritten"), (1, "entries 1-3 were rewritten")),
    (rewrite_everything_and_its_checkpoints, None, (1, "entries 1-3 were rewritten")),
    (alter_a_checkpoint, (3, "checkpoint in the database is not authentic"), None),
]
ATTACK_IDS = [attack.__name__ for attack, *_ in ATTACKS]


def assert_caught(output: str, status: int, expected: Expected) -> None:
    if expected is None:
        assert status == 0, output
        assert "chain intact" in output
        return
    sequence, reason = expected
    assert status == 1, output
    assert f"Audit chain broken at entry {sequence}: " in output
    assert reason in output
    assert "chain intact" not in output


@pytest.mark.parametrize(("attack", "without_file", "with_file"), ATTACKS, ids=ATTACK_IDS)
def test_each_attack_against_the_database_alone(trail, attack, without_file, with_file):
    with tampering():
        attack()
    status, output = verify()
    assert_caught(output, status, without_file)
    if without_file is None:
        assert "Only --checkpoints FILE shows" in output or "No checkpoint anchors" in output


@pytest.mark.parametrize(("attack", "without_file", "with_file"), ATTACKS, ids=ATTACK_IDS)
def test_each_attack_against_the_checkpoint_file(
    trail, checkpoint_file, attack, without_file, with_file
):
    with tampering():
        attack()
    status, output = verify("--checkpoints", str(checkpoint_file))
    if attack is alter_a_checkpoint:
        # The file's copy of the same checkpoint meets the chain first and agrees with it;
        # the altered one in the database is then caught by its authentication code.
        assert status == 1
        assert "checkpoint in the database is not authentic" in output
        return
    assert_caught(output, status, with_file)


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


# --- The checkpoint file itself -----------------------------------------------------------


def file_problem(path: Path) -> str:
    status, output = verify("--checkpoints", str(path))
    assert status == 1
    assert "chain intact" not in output
    return output


def test_a_missing_checkpoint_file_fails(trail, tmp_path):
    missing = tmp_path / "nowhere.log"
    assert f"checkpoint file {missing} does not exist" in file_problem(missing)


def test_a_truncated_checkpoint_file_fails(trail, checkpoint_file):
    data = checkpoint_file.read_bytes()
    checkpoint_file.write_bytes(data[: len(data) - 20])
    assert "is truncated: line 2 is incomplete" in file_problem(checkpoint_file)


def test_an_empty_checkpoint_file_fails(trail, checkpoint_file):
    checkpoint_file.write_bytes(b"")
    assert "is empty" in file_problem(checkpoint_file)


def test_a_checkpoint_file_signed_with_another_key_fails(trail, checkpoint_file, settings):
    from lantern.crypto.keyring import generate_key

    settings.LANTERN_AUDIT_KEY = generate_key()
    output = file_problem(checkpoint_file)
    assert "line 1 was signed with another key (key id" in output


def test_an_altered_checkpoint_line_fails(trail, checkpoint_file):
    lines = checkpoint_file.read_text().splitlines(keepends=True)
    lines[1] = lines[1].replace('"sequence":6', '"sequence":5')
    checkpoint_file.write_text("".join(lines))
    assert "line 2 was altered: its authentication code does not match" in file_problem(
        checkpoint_file
    )


def test_reordered_checkpoint_lines_fail(trail, checkpoint_file):
    lines = checkpoint_file.read_text().splitlines(keepends=True)
    checkpoint_file.write_text(lines[1] + lines[0])
    assert "line 2 is out of order" in file_problem(checkpoint_file)


def test_a_file_cut_at_a_line_boundary_falls_behind_the_database(
    trail, checkpoint_file, time_machine
):
    lines = checkpoint_file.read_text().splitlines(keepends=True)
    checkpoint_file.write_text(lines[0])
    time_machine.move_to(timezone.now() + datetime.timedelta(minutes=2))
    output = file_problem(checkpoint_file)
    assert "ends at entry 3 but the database holds checkpoints up to entry 6" in output
