"""Directory fixtures: an empty directory of the personas' health system, HSDS example files."""

from __future__ import annotations

from pathlib import Path

import pytest

HSDS = Path(__file__).resolve().parent / "hsds"
VALID = HSDS / "valid"
INVALID = HSDS / "invalid"
UPSTREAM = HSDS / "upstream"


@pytest.fixture
def system(personas):
    return personas.clinic.health_system
