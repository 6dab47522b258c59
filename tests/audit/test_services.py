"""Writing entries: every one is linked to the chain as it is stored, whoever writes it."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.test import RequestFactory

from lantern.audit import chain
from lantern.audit.models import Action, AuditChainHead, AuditEvent, Category, Outcome
from lantern.audit.services import audit_record
from lantern.audit.verification import verify_stored_chain


def test_each_entry_extends_the_chain_and_moves_the_head(db):
    first = audit_record(action=Action.LOGIN_FAILED, outcome=Outcome.FAILED)
    second = audit_record(action=Action.READ, category=Category.IDENTITY)
    assert (first.sequence, first.prev_hash) == (1, chain.GENESIS_HASH)
    assert (second.sequence, second.prev_hash) == (2, first.entry_hash)
    head = AuditChainHead.objects.get()
    assert (head.sequence, head.entry_hash) == (2, second.entry_hash)


def test_the_stored_entry_hashes_to_what_was_written(db):
    entry = audit_record(action=Action.READ, detail="3 results")
    stored = AuditEvent.objects.get(pk=entry.pk)
    digest = chain.entry_hash(
        stored.recorded(), sequence=stored.sequence, prev_hash=stored.prev_hash
    )
    assert digest == stored.entry_hash == entry.entry_hash


@pytest.mark.parametrize(
    "address", ["192.0.2.10", "::1", "2001:0DB8:0:0:0:0:0:1", "::ffff:192.0.2.1"]
)
def test_source_addresses_hash_the_way_the_database_gives_them_back(db, address):
    request = RequestFactory().get("/", REMOTE_ADDR=address)
    request.user = AnonymousUser()
    audit_record(action=Action.LOGIN_FAILED, request=request, outcome=Outcome.FAILED)
    assert verify_stored_chain().intact


def test_a_rolled_back_transaction_takes_its_entries_and_the_head_with_it(db):
    def write_then_fail() -> None:
        with transaction.atomic():
            audit_record(action=Action.UPDATE)
            raise RuntimeError

    audit_record(action=Action.READ)
    with pytest.raises(RuntimeError):
        write_then_fail()
    audit_record(action=Action.READ)
    assert list(AuditEvent.objects.values_list("sequence", flat=True)) == [1, 2]
    assert verify_stored_chain().intact


def test_break_the_glass_is_an_action(db):
    entry = audit_record(action=Action.BREAK_GLASS, detail="reason recorded")
    assert entry.action == "break_glass"
    assert AuditEvent.objects.get().get_action_display().startswith("Emergency access")


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs a server with real concurrent connections; SQLite serialises writers itself",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain():
    writers, each = 6, 15
    start = threading.Barrier(writers)
    failures: list[BaseException] = []

    def write() -> None:
        try:
            start.wait()
            for n in range(each):
                audit_record(action=Action.READ, detail=f"{threading.get_ident()} {n}")
        except BaseException as error:  # reported below
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write) for _ in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    verdict = verify_stored_chain()
    assert verdict.intact
    assert verdict.checked == writers * each
