"""Refreshing the figures: the command, and what is stored (never a count from 1 to 10)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from lantern.reports.models import ReportSnapshot
from tests.reports import builders as b


def test_the_command_refreshes_each_health_system(personas):
    b.visits(b.patients(12, personas.clinic), personas.clinic, b.OCTOBER, personas.clinician)
    out = StringIO()
    call_command("reports", "refresh", stdout=out)
    assert f"{personas.clinic.health_system.name}: figures refreshed in" in out.getvalue()
    assert ReportSnapshot.objects.count() == 2  # Riverside's system and Harbor's


def test_an_unknown_health_system_is_refused(personas):
    with pytest.raises(CommandError, match="No health system 0"):
        call_command("reports", "refresh", "--health-system", "0")


def test_no_small_count_is_ever_stored(personas):
    b.visits(b.patients(4, personas.clinic), personas.clinic, b.OCTOBER, personas.clinician)
    b.screenings(b.patients(13, personas.clinic), personas.clinic, b.OCTOBER, personas.clinician)
    snapshot = b.refresh(personas.clinic)
    stored = [row[-1] for rows in snapshot.figures.values() for row in rows]
    assert 13 in stored
    assert None in stored
    assert not any(figure is not None and 1 <= figure <= 10 for figure in stored)
