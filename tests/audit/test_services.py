"""Writing entries: every one is linked to the chain as it is stored, whoever writes it."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.test import RequestFactory

from lantern.audit import chain, services
from lantern.audit.models import Action, AuditChainHead, AuditEvent, Category, Outcome
from lantern.audit.sealing import audit_seal
from lantern.audit.services import audit_record
from lantern.audit.verification import verify_stored_chain


def test_appending_numbers_the_entry_and_leaves_the_chain_to_the_sealer(db):
    first = audit_record(action=Action.LOGIN_FAILED, outcome=Outcome.FAILED)
    second = audit_record(action=Action.READ, category=Category.IDENTITY)
    assert (first.sequence, second.sequence) == (1, 2)
    assert (first.entry_hash, second.entry_hash) == ("", "")
    assert not AuditChainHead.objects.filter(sequence__gt=0).exists()


def test_sealing_extends_the_chain_and_moves_the_head(db):
    audit_record(action=Action.LOGIN_FAILED, outcome=Outcome.FAILED)
    audit_record(action=Action.READ, category=Category.IDENTITY)
    audit_seal()
    first, second = AuditEvent.objects.order_by("sequence")
    assert (first.sequence, first.prev_hash) == (1, chain.GENESIS_HASH)
    assert (second.sequence, second.prev_hash) == (2, first.entry_hash)
    head = AuditChainHead.objects.get()
    assert (head.sequence, head.entry_hash) == (2, second.entry_hash)


def test_the_sealed_entry_hashes_to_what_was_written(db):
    entry = audit_record(action=Action.READ, detail="3 results")
    audit_seal()
    stored = AuditEvent.objects.get(pk=entry.pk)
    digest = chain.entry_hash(
        entry.recorded(), sequence=entry.sequence, prev_hash=chain.GENESIS_HASH
    )
    assert digest == stored.entry_hash


@pytest.mark.parametrize(
    "address", ["192.0.2.10", "::1", "2001:0DB8:0:0:0:0:0:1", "::ffff:192.0.2.1"]
)
def test_source_addresses_hash_the_way_the_database_gives_them_back(db, address):
    request = RequestFactory().get("/", REMOTE_ADDR=address)
    request.user = AnonymousUser()
    audit_record(action=Action.LOGIN_FAILED, request=request, outcome=Outcome.FAILED)
    audit_seal()
    verdict = verify_stored_chain()
    assert verdict.intact
    assert verdict.entries == 1


def test_a_rolled_back_transaction_takes_its_entry_with_it(db):
    def write_then_fail() -> None:
        with transaction.atomic():
            audit_record(action=Action.UPDATE)
            raise RuntimeError

    audit_record(action=Action.READ)
    with pytest.raises(RuntimeError):
        write_then_fail()
    audit_record(action=Action.READ)
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["read", "read"]
    audit_seal()
    verdict = verify_stored_chain()
    assert verdict.intact
    assert verdict.entries == 2
    # PostgreSQL never hands a number out twice: the rolled-back one is sealed as a gap.
    # SQLite numbers from the table under its single write lock and reuses it.
    assert verdict.gaps == (1 if connection.vendor == "postgresql" else 0)


def test_an_entry_commits_with_the_callers_transaction(db):
    with transaction.atomic():
        entry = audit_record(action=Action.UPDATE, detail="inside")
        assert AuditEvent.objects.filter(pk=entry.pk).exists()
    assert AuditEvent.objects.get(pk=entry.pk).detail == "inside"


def test_break_the_glass_is_an_action(db):
    entry = audit_record(action=Action.BREAK_GLASS, detail="reason recorded")
    assert entry.action == "break_glass"
    assert AuditEvent.objects.get().get_action_display().startswith("Emergency access")


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs a server with real concurrent connections; SQLite serialises writers itself",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_each_get_their_own_number():
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
    numbers = list(AuditEvent.objects.values_list("sequence", flat=True))
    assert len(set(numbers)) == len(numbers) == writers * each
    audit_seal()
    verdict = verify_stored_chain()
    assert verdict.intact
    assert verdict.entries == writers * each


def test_the_postgresql_insert_writes_every_column_of_an_entry():
    # The request path's INSERT is written out by hand for speed: a column added to the
    # model must be added to it too, or entries would silently lose it.
    columns = {field.attname for field in AuditEvent._meta.concrete_fields}
    assert columns == {*services._APPENDED, "id", "sequence", "prev_hash", "entry_hash"}


@pytest.mark.parametrize("address", ["2001:0DB8:0:0:0:0:0:1", "192.0.2.10", None])
def test_an_appended_entry_stores_what_the_caller_gave(personas, address):
    request = RequestFactory().get("/", REMOTE_ADDR=address or "")
    request.user = personas.clinician
    entry = audit_record(
        action=Action.READ,
        request=request if address else None,
        patient_id=personas.patient.pk,
        obj=personas.patient,
        category=Category.IDENTITY,
        outcome=Outcome.DENIED,
        detail="3 results",
        **({} if address else {"actor": personas.clinician}),
    )
    stored = AuditEvent.objects.get(pk=entry.pk)
    assert (stored.sequence, stored.at) == (entry.sequence, entry.at)
    assert stored.actor == personas.clinician
    assert stored.actor_label == personas.clinician.get_username()
    assert stored.patient_id == personas.patient.pk
    assert (stored.action, stored.category, stored.outcome) == ("read", "identity", "denied")
    assert (stored.object_type, stored.object_id) == ("patients.patient", str(personas.patient.pk))
    assert stored.detail == "3 results"
    assert stored.source_address == {"2001:0DB8:0:0:0:0:0:1": "2001:db8::1"}.get(address, address)
    assert (stored.prev_hash, stored.entry_hash) == ("", "")
    audit_seal()
    assert verify_stored_chain().intact


def _alike(personas, patient_id):
    return AuditEvent(
        actor=personas.clinician,
        actor_label="Riverside EHR",
        patient_id=patient_id,
        action=Action.EXPORT,
        object_type="fhir.bulkexport",
        object_id="an export",
        category=Category.SENSITIVE,
        source_address="2001:0DB8:0:0:0:0:0:1",
        outcome=Outcome.SUCCESS,
        detail='FHIR bulk export (system) "é" \\ \u2028',
    )


def test_one_entry_for_each_patient_is_what_appending_each_copy_writes(personas):
    patients = [uuid.uuid4() for _ in range(5)]
    before = audit_record(action=Action.READ).sequence  # numbers go on from those there
    assert services.audit_append_many(_alike(personas, p) for p in patients) == 5
    assert services.audit_append_each(_alike(personas, None), patients) == 5
    assert services.audit_append_each(_alike(personas, None), []) == 0
    entries = list(AuditEvent.objects.filter(sequence__gt=before).order_by("pk"))
    assert [entry.sequence for entry in entries] == list(range(before + 1, before + 11))
    columns = [column for column in services._APPENDED if column != "at"]
    rows = [tuple(getattr(entry, column) for column in columns) for entry in entries]
    assert rows[5:] == rows[:5]
    assert [entry.patient_id for entry in entries[5:]] == patients  # in the order given
    assert entries[5].actor == personas.clinician
    assert entries[5].source_address == "2001:db8::1"
    assert len({entry.at for entry in entries[5:]}) == 1
    audit_seal()
    assert verify_stored_chain().intact
