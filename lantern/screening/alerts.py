"""Urgent flags that no clinician has acknowledged yet, for the banners that keep them in view.

An urgent or imminent flag (suicide risk) stays on the patient page, the visit page and the
staff start page until someone acknowledges it, for every user who may open that patient.
The banner's words name no diagnosis: a glance at the screen says only that something
needs attention now.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from lantern.audit.models import Category
from lantern.audit.services import audit_reads_listed
from lantern.patients.models import Patient
from lantern.screening.models import ScreeningResult

if TYPE_CHECKING:
    from django.http import HttpRequest

    from lantern.accounts.models import User

SHOWN_AT_MOST = 20


@dataclass(frozen=True)
class UrgentAlert:
    result: ScreeningResult

    @property
    def imminent(self) -> bool:
        waiting = set(self.result.unacknowledged_flags())
        return any(
            flag.get("severity") == "imminent" and flag.get("code") in waiting
            for flag in self.result.summary.get("flags", [])
        )

    @property
    def released(self) -> bool:
        """False while the tablet it was answered on is still with the patient."""
        return self.result.session.results_released


def urgent_alerts(user: User, *, patient: Patient | None = None) -> list[UrgentAlert]:
    """Unacknowledged urgent flags of ``patient``, or of every patient ``user`` may open.

    A ``patient`` given here is one the page has already opened through ``patient_for``,
    which checked that ``user`` may see it: the check is not asked of the database again.
    """
    waiting = ScreeningResult.objects.awaiting_acknowledgement().filter(
        patient__in=Patient.objects.visible_to(user) if patient is None else [patient.pk]
    )
    return [
        UrgentAlert(result)
        for result in waiting.select_related("session", "patient")
        .prefetch_related("acknowledgements")
        .defer("answers")[:SHOWN_AT_MOST]
    ]


def urgent_alerts_across_patients(request: HttpRequest, user: User) -> list[UrgentAlert]:
    """The start page's alerts: each patient named there is a read of that patient."""
    alerts = urgent_alerts(user)
    audit_reads_listed(
        request=request,
        patient_ids=(alert.result.patient_id for alert in alerts),
        category=Category.MENTAL_HEALTH,
        detail="unacknowledged urgent flag shown",
    )
    return alerts
