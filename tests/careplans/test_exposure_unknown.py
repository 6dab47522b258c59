"""An urgent window counted from an exposure whose time is unknown has no real deadline:
wherever it appears (the care plan, the chart, the worklist, the start page, the visit) it
says "Exposure time unknown: decide now", never a countdown from the assessment, and it
comes first among the urgent windows."""

from __future__ import annotations

import html

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from lantern.careplans.generation import careplan_generate
from lantern.careplans.models import Activity
from tests.careplans.conftest import assess
from tests.clients import signed_in

pytestmark = pytest.mark.django_db
DECIDE = "Exposure time unknown: decide now"
NPEP = "nPEP window — Exposure time unknown: decide now"
EC = "Emergency contraception window — Exposure time unknown: decide now"


def text(response):
    assert response.status_code == 200
    return html.unescape(response.content.decode())


@pytest.fixture
def unknown(personas, visit):
    """The plan of a visit where the patient could not say when the exposure happened."""
    assess(personas, visit, exposure_time="unknown", exposure_at=None)
    careplan_generate(patient=personas.patient, visit=visit, actor=personas.clinician)
    return visit


def test_the_plan_keeps_which_windows_count_from_the_unknown_exposure(personas, unknown):
    flagged = dict(Activity.objects.filter(urgent=True).values_list("code", "exposure_unknown"))
    assert flagged == {
        "hiv-npep": True,
        "emergency-contraception": True,
        "sti-prophylaxis": False,  # counts from the assessment: its countdown is real
    }
    assert not Activity.objects.filter(urgent=False, exposure_unknown=True).exists()


def test_a_known_exposure_time_marks_nothing(personas, visit):
    assess(personas, visit)
    careplan_generate(patient=personas.patient, visit=visit, actor=personas.clinician)
    assert not Activity.objects.filter(exposure_unknown=True).exists()


def test_the_care_plan_says_decide_now_first(personas, unknown):
    page = text(
        signed_in(personas.clinician).get(reverse("careplans:plan", args=[personas.patient.pk]))
    )
    assert NPEP in page
    assert EC in page
    assert "nPEP window closes" not in page
    assert "Emergency contraception window closes" not in page
    assert page.index(NPEP) < page.index("STI prophylaxis window closes")


def test_the_chart_says_decide_now_first(personas, unknown):
    page = text(
        signed_in(personas.clinician).get(reverse("patients:detail", args=[personas.patient.pk]))
    )
    assert NPEP in page
    assert "nPEP window closes" not in page
    assert page.index(NPEP) < page.index("STI prophylaxis window closes")


def test_the_worklist_lists_decide_now_first_among_closing_windows(personas, unknown):
    page = text(signed_in(personas.clinician).get(reverse("careplans:worklist") + "?scope=team"))
    closing = page[page.index("Windows closing within 24 hours") : page.index("Due today")]
    # Counted from the assessment these windows close in 72 and 120 hours: without the flag
    # they would not be listed among the windows closing now at all.
    assert NPEP in closing
    assert EC in closing
    assert closing.index(NPEP) < closing.index("STI prophylaxis window closes")
    due_today = page[page.index("Due today") :]
    assert DECIDE in due_today
    assert "nPEP window closes" not in page


def test_the_start_page_lists_decide_now_first(personas, unknown):
    page = text(signed_in(personas.clinician).get(reverse("home")))
    windows = page[page.index("Urgent windows") : page.index("Your worklist")]
    assert windows.count(DECIDE) == 2
    assert windows.index(DECIDE) < windows.index("Empiric STI prophylaxis")


def test_a_decided_window_no_longer_asks(personas, unknown):
    npep = Activity.objects.get(code="hiv-npep")
    npep.status = "done"
    npep.save()
    page = text(
        signed_in(personas.clinician).get(reverse("patients:detail", args=[personas.patient.pk]))
    )
    assert NPEP not in page
    assert EC in page


@pytest.mark.django_db(transaction=True)
def test_windows_planned_before_the_upgrade_are_marked(personas, unknown):
    Activity.objects.update(exposure_unknown=False)  # as an earlier version stored them
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([("careplans", "0001_initial")])
    finally:
        MigrationExecutor(connection).migrate(latest)
    marked = set(Activity.objects.filter(exposure_unknown=True).values_list("code", flat=True))
    assert marked == {"hiv-npep", "emergency-contraception"}
