"""Audit test fixtures: a trail of real entries written and sealed the way Lantern does it."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection

from lantern.audit.models import ENTRY_SEQUENCE, Action, AuditEvent
from lantern.audit.sealing import audit_seal
from lantern.audit.services import audit_record


def restart_numbering() -> None:
    """PostgreSQL sequences ignore rollbacks: each test's entries start from 1 again."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT setval('{ENTRY_SEQUENCE}', "
                "(SELECT COALESCE(MAX(sequence), 0) + 1 FROM audit_auditevent), false)"
            )


@pytest.fixture(autouse=True)
def _numbering_from_one(request: pytest.FixtureRequest) -> None:
    if "db" in request.fixturenames:
        request.getfixturevalue("db")
        restart_numbering()


@pytest.fixture
def unsealed_trail(db: None) -> list[AuditEvent]:
    """Six entries, sequences 1 to 6, as requests leave them: not yet sealed."""
    return [audit_record(action=Action.READ, detail=f"entry {n}") for n in range(1, 7)]


@pytest.fixture
def trail(unsealed_trail: list[AuditEvent], checkpoint_file: Path) -> list[AuditEvent]:
    """Six entries, sequences 1 to 6, sealed in two batches (checkpoints at 3 and 6)."""
    audit_seal(batch_size=3)
    return list(AuditEvent.objects.order_by("sequence"))


@pytest.fixture
def checkpoint_file(tmp_path, settings) -> Path:  # type: ignore[no-untyped-def]
    """Where the sealer appends checkpoints during the test (set before ``trail`` seals)."""
    path = tmp_path / "audit-checkpoints.log"
    settings.LANTERN_AUDIT_CHECKPOINT_FILE = path
    return path
