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
