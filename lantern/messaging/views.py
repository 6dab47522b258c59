"""Staff see every decision about contacting a patient, with its reason."""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render

from lantern.accounts.access import AuthenticatedHttpRequest
from lantern.audit.models import Category
from lantern.core.http import require_safe
from lantern.messaging.models import ContactDecision
from lantern.patients.access import care_staff_required, patient_for

PAGE_SIZE = 50


@login_required
@care_staff_required
@require_safe
def contact_decisions(request: AuthenticatedHttpRequest, patient_id: UUID) -> HttpResponse:
    """Reminders sent, scheduled and withheld, and why, newest first (care team only: like
    the safe-contact details, they are not shown under emergency access)."""
    patient, _can_write = patient_for(request, patient_id, read=Category.CONTACT, write=True)
    decisions = ContactDecision.objects.filter(patient=patient).select_related("message")
    page = Paginator(decisions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "messaging/contact_decisions.html", {"patient": patient, "page": page})
