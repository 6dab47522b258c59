"""One patient's record access history (accounting of disclosures), for privacy officers."""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render

from lantern.accounts.access import AuthenticatedHttpRequest
from lantern.audit.models import AuditEvent
from lantern.audit.reports import PAGE_SIZE
from lantern.core.http import require_safe
from lantern.patients.access import patient_for_review


@login_required
@require_safe
def access_history(request: AuthenticatedHttpRequest, patient_id: UUID) -> HttpResponse:
    """Who read, changed, exported or disclosed one patient's record, newest first."""
    patient = patient_for_review(request, patient_id)
    entries = AuditEvent.objects.about_patient(patient.pk).order_by("-sequence")
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "patients/access_history.html", {"patient": patient, "page": page})
