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
    if patient is None:  # each banner line names its patient
        waiting = waiting.select_related("session", "patient").defer(*_PATIENT_NOT_SHOWN)
    else:
        waiting = waiting.select_related("session")
    results = list(
        waiting.prefetch_related("acknowledgements").defer("answers", *_SESSION_NOT_SHOWN)[
            :SHOWN_AT_MOST
        ]
    )
    if patient is not None:
        for result in results:
            result.patient = patient  # the page's own, already opened: not read again
    return [UrgentAlert(result) for result in results]


# Sealed values a banner never shows: left unread, so they are never opened for it.
_SESSION_NOT_SHOWN = (
    "session__interpreter_reason",
    "session__deferral_note",
    "session__kiosk_draft",
)
_PATIENT_NOT_SHOWN = ("patient__legal_name", "patient__gender_identity_detail", "patient__pronouns")


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
