"""One patient's record access history (accounting of disclosures), for privacy officers."""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from lantern.accounts.access import AuthenticatedHttpRequest
from lantern.audit.models import AuditEvent
from lantern.audit.reports import keyset_page
from lantern.core.http import require_safe
from lantern.patients.access import patient_for_review


@login_required
@require_safe
def access_history(request: AuthenticatedHttpRequest, patient_id: UUID) -> HttpResponse:
    """Who read, changed, exported or disclosed one patient's record, newest first."""
    patient = patient_for_review(request, patient_id)
    entries = AuditEvent.objects.about_patient(patient.pk)
    page = keyset_page(
        entries, ("-sequence",), after=_number(request, "after"), before=_number(request, "before")
    )
    return render(request, "patients/access_history.html", {"patient": patient, "page": page})


def _number(request: AuthenticatedHttpRequest, name: str) -> int | None:
    """A page position from the address; anything but a positive number means the start."""
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() and len(value) < 19 else None
