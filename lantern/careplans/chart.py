"""The care plan as the patient's chart shows it: every open urgent window (those whose
exposure time is unknown first, saying "decide now", then a countdown for each), then the
next open activities, physical and mental health together."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from lantern.careplans.models import Activity
from lantern.careplans.windows import urgent_first, urgent_text
from lantern.patients.models import Patient

SHOWN = 5


def chart_summary(patient: Patient) -> dict[str, Any]:
    now = timezone.now()
    found = list(Activity.objects.filter(plan__patient=patient).open().order_by("due", "pk"))
    urgent = [a for a in found if a.urgent and (a.latest is not None or a.exposure_unknown)]
    for activity in urgent:
        activity.countdown = urgent_text(activity, now)  # type: ignore[attr-defined]
    urgent.sort(key=urgent_first)
    others = [a for a in found if a not in urgent]
    return {
        "care_plan_urgent": urgent,
        "care_plan_open": others[:SHOWN],
        "care_plan_more": max(len(others) - SHOWN, 0),
    }
