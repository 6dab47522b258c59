"""Audit test fixtures: a trail of real entries written the way Lantern writes them."""

from __future__ import annotations

import pytest

from lantern.audit.models import Action, AuditEvent
from lantern.audit.services import audit_record


@pytest.fixture
def trail(db: None) -> list[AuditEvent]:
    """Six entries, sequences 1 to 6."""
    return [audit_record(action=Action.READ, detail=f"entry {n}") for n in range(1, 7)]
