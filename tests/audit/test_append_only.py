"""The database itself refuses to change or remove audit entries, whoever sends the SQL."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from lantern.audit import append_only
from lantern.audit.models import Action, AuditChainHead, AuditCheckpoint, AuditEvent, AuditGap
from lantern.audit.sealing import audit_seal
from lantern.audit.services import audit_record
from tests.audit.tamper import sql, tampering

REFUSED = "append-only"


def refused(statement: str, params: list[object] | None = None, match: str = REFUSED) -> None:
    # A savepoint per attempt: on PostgreSQL an error aborts the surrounding transaction.
    with pytest.raises(DatabaseError, match=match), transaction.atomic():
        sql(statement, params)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditevent SET detail = 'nothing happened' WHERE sequence = 3",
        "UPDATE audit_auditevent SET sequence = sequence + 100",
        "DELETE FROM audit_auditevent WHERE sequence = 3",
        "DELETE FROM audit_auditevent",
    ],
)
def test_direct_sql_cannot_change_or_remove_entries(trail, statement):
    before = list(AuditEvent.objects.values_list("sequence", "detail", "entry_hash"))
    refused(statement)
    assert list(AuditEvent.objects.values_list("sequence", "detail", "entry_hash")) == before


def test_the_orm_cannot_change_or_remove_entries_either(trail):
    entry = AuditEvent.objects.get(sequence=2)
    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        AuditEvent.objects.filter(pk=entry.pk).update(detail="edited")
    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        entry.delete()
    assert AuditEvent.objects.count() == 6


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no TRUNCATE")
def test_truncate_is_refused_on_postgresql(trail):
    refused("TRUNCATE audit_auditevent")
    refused("TRUNCATE audit_auditchainhead")
    refused("TRUNCATE audit_auditgap")
    refused("TRUNCATE audit_auditcheckpoint")
    assert AuditEvent.objects.count() == 6


def test_the_chain_head_cannot_be_deleted_or_moved_back(trail):
    refused("DELETE FROM audit_auditchainhead")
    refused("UPDATE audit_auditchainhead SET sequence = 2", match="only moves forward")
    refused("UPDATE audit_auditchainhead SET entry_hash = 'x'", match="only moves forward")
    assert AuditChainHead.objects.get().sequence == 6


def test_the_chain_head_moves_forward_with_each_sealed_batch(trail):
    audit_record(action=Action.READ)
    assert AuditChainHead.objects.get().sequence == 6
    audit_seal()
    assert AuditChainHead.objects.get().sequence == 7


def test_an_unsealed_entrys_hashes_may_be_filled_in_once(unsealed_trail):
    sql("UPDATE audit_auditevent SET prev_hash = 'p', entry_hash = 'h' WHERE sequence = 2")
    refused("UPDATE audit_auditevent SET entry_hash = 'again' WHERE sequence = 2")
    refused("UPDATE audit_auditevent SET prev_hash = 'again' WHERE sequence = 2")


@pytest.mark.parametrize(
    "change",
    [
        "detail = 'nothing happened'",
        "sequence = 99",
        "at = '2020-01-01 00:00:00'",
        "actor_label = 'someone else', entry_hash = 'h'",
        "patient_id = NULL, source_address = '192.0.2.1'",
    ],
)
def test_nothing_else_about_an_unsealed_entry_may_change(unsealed_trail, change):
    refused(f"UPDATE audit_auditevent SET {change} WHERE sequence = 2")


@pytest.mark.parametrize("table", ["audit_auditgap", "audit_auditcheckpoint"])
def test_gaps_and_checkpoints_cannot_be_changed_or_removed(trail, table):
    AuditGap.objects.create(sequence=100, prev_hash="p", entry_hash="h")
    refused(f"UPDATE {table} SET sequence = 1000")
    refused(f"DELETE FROM {table}")
    assert AuditCheckpoint.objects.count() == 2


def test_only_one_chain_head_row_may_exist(trail):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditChainHead.objects.create(id=2, sequence=99)


def test_lifting_the_triggers_lasts_for_the_block_only(trail):
    with tampering():
        sql("UPDATE audit_auditevent SET detail = 'planted' WHERE sequence = 3")
    assert AuditEvent.objects.get(sequence=3).detail == "planted"
    refused("UPDATE audit_auditevent SET detail = 'again' WHERE sequence = 3")


def test_an_error_while_lifted_restores_the_triggers_and_undoes_the_change(trail):
    def plant_then_fail() -> None:
        with tampering():
            sql("UPDATE audit_auditevent SET detail = 'planted' WHERE sequence = 3")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        plant_then_fail()
    assert AuditEvent.objects.get(sequence=3).detail == "entry 3"
    refused("DELETE FROM audit_auditevent WHERE sequence = 3")


def test_removing_and_installing_the_triggers_round_trips(trail):
    with transaction.atomic():
        append_only.remove(connection)
        sql("UPDATE audit_auditevent SET detail = 'planted' WHERE sequence = 1")
        append_only.install(connection)
    refused("UPDATE audit_auditevent SET detail = 'again' WHERE sequence = 1")
