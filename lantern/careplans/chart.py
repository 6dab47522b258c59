"""The care plan as the patient's chart shows it: a countdown for every open urgent window,
then the next open activities, physical and mental health together."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from lantern.careplans.models import Activity
from lantern.careplans.windows import countdown
from lantern.patients.models import Patient

SHOWN = 5


def chart_summary(patient: Patient) -> dict[str, Any]:
    now = timezone.now()
    found = list(Activity.objects.filter(plan__patient=patient).open().order_by("due", "pk"))
    urgent = [a for a in found if a.urgent and a.latest is not None]
    for activity in urgent:
        activity.countdown = countdown(  # type: ignore[attr-defined]
            activity.code, str(activity.title), activity.latest or now, now
        )
    urgent.sort(key=lambda a: a.latest or now)
    others = [a for a in found if a not in urgent]
    return {
        "care_plan_urgent": urgent,
        "care_plan_open": others[:SHOWN],
        "care_plan_more": max(len(others) - SHOWN, 0),
    }
