"""Upgrading an installation whose audit entries predate the hash chain."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from lantern.audit.models import AuditEvent
from lantern.audit.verification import verify_stored_chain

BEFORE_CHAIN = [("audit", "0001_initial")]


def migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection)


@pytest.mark.django_db(transaction=True)
def test_existing_entries_are_chained_oldest_first_and_then_protected():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        executor = migrate(BEFORE_CHAIN)
        Old = executor.loader.project_state(BEFORE_CHAIN).apps.get_model("audit", "AuditEvent")
        start = datetime.datetime(2026, 1, 5, 9, tzinfo=datetime.UTC)
        for minutes, action in ((30, "update"), (0, "login"), (10, "read")):
            Old.objects.create(
                at=start + datetime.timedelta(minutes=minutes),
                actor_label="clinician",
                action=action,
                source_address="192.0.2.10",
            )
    finally:
        migrate(latest)

    assert list(AuditEvent.objects.values_list("sequence", "action")) == [
        (1, "login"),
        (2, "read"),
        (3, "update"),
    ]
    verdict = verify_stored_chain()
    assert verdict.intact
    assert verdict.checked == 3


BEFORE_SEALING = [("audit", "0007_alter_auditevent_action_alter_auditevent_category")]
SEALING_STEPS = ["0008_sealing_tables", "0009_sealing_carry_chain", "0010_sealing_triggers"]


@pytest.mark.django_db(transaction=True)
def test_a_chain_written_the_old_way_verifies_at_every_step_and_after():
    from lantern.audit import chain
    from lantern.audit.models import AuditCheckpoint
    from lantern.audit.sealing import audit_seal
    from lantern.audit.services import audit_record

    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    verdicts = []
    try:
        executor = migrate(BEFORE_SEALING)
        old_apps = executor.loader.project_state(BEFORE_SEALING).apps
        Old = old_apps.get_model("audit", "AuditEvent")
        OldHead = old_apps.get_model("audit", "AuditChainHead")
        # As the head-locking writer stored them: linked and hashed at once, head moved along.
        start = datetime.datetime(2026, 3, 1, 9, tzinfo=datetime.UTC)
        records = [
            chain.Recorded(
                start + datetime.timedelta(minutes=n),
                None,
                "clinician",
                None,
                "read",
                "",
                "",
                "",
                "192.0.2.10",
                "success",
                f"old {n}",
            )
            for n in range(4)
        ]
        links = chain.build(records)
        for link in links:
            Old.objects.create(
                sequence=link.sequence,
                prev_hash=link.prev_hash,
                entry_hash=link.entry_hash,
                **link.recorded._asdict(),
            )
        OldHead.objects.update_or_create(
            id=1, defaults={"sequence": 4, "entry_hash": links[-1].entry_hash}
        )
        for step in SEALING_STEPS:
            migrate([("audit", step)])
            verdicts.append(verify_stored_chain())
    finally:
        migrate(latest)

    assert [(v.intact, v.entries) for v in verdicts] == [(True, 4)] * 3
    # The first pass anchors the old chain, then new entries continue it.
    audit_record(action="read", detail="new")
    done = audit_seal()
    assert done.head.sequence == 5
    assert list(AuditCheckpoint.objects.values_list("sequence", flat=True)) == [4, 5]
    verdict = verify_stored_chain()
    assert (verdict.intact, verdict.entries) == (True, 5)
    assert AuditEvent.objects.get(sequence=5).prev_hash == links[-1].entry_hash
