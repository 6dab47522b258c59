"""The sealer: chains appended entries in order, records gaps, never half-seals a batch,
writes every checkpoint outside the database, and tells privacy officers when it lags."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.utils import timezone

from lantern.accounts.models import Notification, Role
from lantern.audit import chain, checkpoints, sealing
from lantern.audit.models import Action, AuditChainHead, AuditCheckpoint, AuditEvent, AuditGap
from lantern.audit.sealing import audit_seal
from lantern.audit.services import audit_record
from lantern.audit.verification import audit_verify, verify_stored_chain
from tests.audit.conftest import restart_numbering
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]


def write(count: int) -> None:
    for n in range(count):
        audit_record(action=Action.READ, detail=f"entry {n}")


def test_a_pass_seals_everything_in_batches_each_with_a_checkpoint(db, checkpoint_file):
    write(7)
    done = audit_seal(batch_size=3)
    assert [batch.entries for batch in done.batches] == [3, 3, 1]
    assert list(AuditCheckpoint.objects.values_list("sequence", flat=True)) == [3, 6, 7]
    assert not AuditEvent.objects.filter(entry_hash="").exists()
    assert AuditChainHead.objects.get().sequence == 7
    assert len(checkpoints.read_file(checkpoint_file, checkpoints.decode_key(_key()))) == 3
    assert checkpoint_file.stat().st_mode & 0o777 == 0o600


def _key() -> str:
    from django.conf import settings

    return str(settings.LANTERN_AUDIT_KEY)


def test_nothing_to_seal_makes_no_checkpoint(db):
    write(2)
    audit_seal()
    audit_seal()
    assert AuditCheckpoint.objects.count() == 1


def test_the_lantern_command_seals_one_pass(db, capsys):
    from lantern.cli import main

    write(4)
    main(["lantern", "audit", "seal", "--batch-size", "3"])
    assert "Sealed 4 entries and 0 gaps in 2 batch(es); head at entry 4." in capsys.readouterr().out


def history(count: int) -> list[chain.Recorded]:
    start = timezone.now() - datetime.timedelta(days=30)
    return [
        AuditEvent(at=start + datetime.timedelta(hours=n), action=Action.READ).recorded()
        for n in range(count)
    ]


def test_a_past_history_goes_in_sealed_batch_by_batch(db, checkpoint_file, monkeypatch):
    write(2)
    audit_seal()
    monkeypatch.setattr(sealing, "audit_seal", _refuse)  # nothing is left for the sealer
    assert sealing.audit_append_sealed(history(7), batch_size=3) == 7
    assert not AuditEvent.objects.filter(entry_hash="").exists()
    assert list(AuditCheckpoint.objects.values_list("sequence", flat=True)) == [2, 5, 8, 9]
    assert len(checkpoints.read_file(checkpoint_file, checkpoints.decode_key(_key()))) == 4
    assert audit_verify(checkpoint_file=checkpoint_file).intact


def _refuse(**_options: object) -> None:
    raise AssertionError("the sealer was not needed")


def test_a_past_history_behind_unsealed_entries_is_left_to_the_sealer(db):
    write(2)  # not sealed yet: the history cannot be chained before them
    sealing.audit_append_sealed(history(4), batch_size=3)
    assert AuditEvent.objects.count() == 6
    assert not AuditEvent.objects.filter(entry_hash="").exists()
    assert verify_stored_chain().intact
    assert AuditChainHead.objects.get().sequence == 6


def test_a_missing_number_that_can_no_longer_commit_is_sealed_as_a_gap(db):
    write(2)
    if connection.vendor == "postgresql":
        with transaction.atomic():
            audit_record(action=Action.UPDATE)  # takes number 3, then rolls back
            transaction.set_rollback(True)
    else:
        # SQLite reuses a rolled-back number; plant the skipped one PostgreSQL would leave.
        AuditEvent.objects.bulk_create([AuditEvent(action=Action.READ, sequence=4)])
    write(1)
    done = audit_seal()
    verdict = verify_stored_chain()
    assert verdict.intact
    assert done.gaps == verdict.gaps == 1
    assert list(AuditGap.objects.values_list("sequence", flat=True)) == [3]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer at a time")
@pytest.mark.django_db(transaction=True)
def test_a_number_held_by_an_open_transaction_is_waited_for_not_called_a_gap():
    restart_numbering()
    write(1)
    holding, release = threading.Event(), threading.Event()

    def slow_request() -> None:
        try:
            with transaction.atomic():
                audit_record(action=Action.UPDATE, detail="slow")
                holding.set()
                release.wait(30)
        finally:
            connection.close()

    thread = threading.Thread(target=slow_request)
    thread.start()
    holding.wait(30)
    write(1)  # number 3 commits while 2 is still open
    first = audit_seal()
    assert (first.entries, first.gaps, first.head.sequence) == (1, 0, 1)
    release.set()
    thread.join()
    second = audit_seal()
    assert (second.entries, second.gaps, second.head.sequence) == (2, 0, 3)
    assert verify_stored_chain().intact


def test_a_sealer_that_dies_mid_batch_leaves_nothing_half_sealed(db, monkeypatch):
    write(5)

    def die(*args: object) -> None:
        raise SystemExit("killed after the hashes were written, before the checkpoint")

    monkeypatch.setattr(sealing, "_checkpoint", die)
    with pytest.raises(SystemExit):
        audit_seal()
    assert AuditEvent.objects.exclude(entry_hash="").count() == 0
    assert not AuditChainHead.objects.filter(sequence__gt=0).exists()
    assert AuditCheckpoint.objects.count() == 0
    monkeypatch.undo()
    assert audit_seal().entries == 5
    assert verify_stored_chain().intact


CRASHING_SEALER = """
import os, signal, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from lantern.audit import sealing
from lantern.audit.models import Action
from lantern.audit.services import audit_record
for n in range(50):
    audit_record(action=Action.READ, detail=f"entry {n}")
original = sealing._store
def store_then_die(links):
    original(links)
    os.kill(os.getpid(), signal.SIGKILL)  # the hashes are written, nothing is committed
sealing._store = store_then_die
sealing.audit_seal()
"""

AFTER_THE_CRASH = """
import django
django.setup()
from lantern.audit.models import AuditEvent, AuditCheckpoint
from lantern.audit.sealing import audit_seal
from lantern.audit.verification import audit_verify
print("sealed before", AuditEvent.objects.exclude(entry_hash="").count(),
      "checkpoints", AuditCheckpoint.objects.count())
audit_seal()
report = audit_verify(checkpoint_file=__import__("pathlib").Path(%r))
print("after", report.verdict.entries, report.intact)
"""


def test_a_sealer_killed_mid_batch_leaves_nothing_half_sealed(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LANTERN_", "DATABASE_URL"))}
    env.update(
        LANTERN_MODE="demo",
        LANTERN_DATA_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="lantern.settings",
    )
    run = [sys.executable, "-c"]
    crashed = subprocess.run(
        [*run, textwrap.dedent(CRASHING_SEALER)], env=env, cwd=ROOT, timeout=300, check=False
    )
    assert crashed.returncode == -9
    after = subprocess.run(
        [*run, AFTER_THE_CRASH % str(tmp_path / "audit-checkpoints.log")],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "sealed before 0 checkpoints 0" in after.stdout
    assert "after 50 True" in after.stdout


def test_a_checkpoint_the_file_missed_is_written_on_the_next_pass(db, checkpoint_file, monkeypatch):
    write(3)
    real_append = checkpoints.append

    def disk_full(path: Path, made: list[checkpoints.Checkpoint]) -> None:
        raise OSError("no space left on device")

    monkeypatch.setattr(checkpoints, "append", disk_full)
    with pytest.raises(OSError, match="no space"):
        audit_seal()
    assert AuditCheckpoint.objects.count() == 1  # committed before the file was written
    monkeypatch.setattr(checkpoints, "append", real_append)
    write(1)
    audit_seal()
    assert [
        c.sequence for c in checkpoints.read_file(checkpoint_file, checkpoints.decode_key(_key()))
    ] == [3, 4]
    assert audit_verify(checkpoint_file=checkpoint_file).intact


def test_privacy_officers_are_told_when_sealing_lags(
    db, personas, monkeypatch, settings, time_machine
):
    settings.LANTERN_AUDIT_SEAL_ALARM = 60
    elsewhere = UserFactory(username="officer2", role=Role.PRIVACY_OFFICER)
    time_machine.move_to(timezone.now())
    write(1)
    monkeypatch.setattr(sealing, "seal_batch", lambda size: None)  # a sealer that is stuck
    audit_seal()
    assert not Notification.objects.exists()  # within the limit
    time_machine.move_to(timezone.now() + datetime.timedelta(minutes=5))
    audit_seal()
    notices = Notification.objects.filter(subject="Audit trail sealing is behind")
    assert {n.recipient for n in notices} == {personas.auditor, elsewhere}
    assert "waited 5 minutes" in notices.first().body
    assert not Notification.objects.exclude(recipient__role=Role.PRIVACY_OFFICER).exists()


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs real concurrent connections; SQLite admits one writer at a time",
)
@pytest.mark.django_db(transaction=True)
def test_two_sealers_at_once_link_every_entry_once_and_the_chain_verifies():
    restart_numbering()
    start = threading.Barrier(3)
    failures: list[BaseException] = []

    def seal() -> None:
        try:
            start.wait()
            for _ in range(20):
                audit_seal(batch_size=4)
        except BaseException as error:  # reported below
            failures.append(error)
        finally:
            connection.close()

    def append() -> None:
        try:
            start.wait()
            write(60)
        except BaseException as error:
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=target) for target in (seal, seal, append)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    audit_seal(batch_size=4)
    report = audit_verify()
    assert report.intact
    assert report.verdict.entries == 60
    assert not AuditEvent.objects.filter(entry_hash="").exists()
    assert not AuditGap.objects.exists()
    # Every batch either sealer made ends in its own checkpoint, all on one chain.
    assert AuditCheckpoint.objects.filter(sequence=60).count() == 1
