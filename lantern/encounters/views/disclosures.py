"""Sharing outside the care team: on the patient's consent, or under a legal duty."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from lantern.accounts.access import AuthenticatedHttpRequest
from lantern.accounts.chart_access import Section
from lantern.core.http import require_safe_or_POST
from lantern.encounters import services
from lantern.encounters.choices import DisclosureBasis
from lantern.encounters.forms import DisclosureForm
from lantern.encounters.views.page import refusal_message, visit_for, visit_with_errors
from lantern.patients.access import care_staff_required, patient_for


@care_staff_required
@require_safe_or_POST
def disclosure_add(
    request: AuthenticatedHttpRequest, patient_id: UUID, visit_id: int
) -> HttpResponse:
    patient = patient_for(request, patient_id, write=True, section=Section.DISCLOSURES).patient
    visit = visit_for(request, patient, visit_id)
    if request.method != "POST":  # the address reloaded, or its language changed
        return redirect("encounters:visit", patient_id=patient.pk, visit_id=visit.pk)
    on_consent = request.POST.get("basis") == DisclosureBasis.CONSENT
    basis = DisclosureBasis.CONSENT if on_consent else DisclosureBasis.MANDATE
    form = DisclosureForm(request.POST, basis=basis, adult=patient.is_minor() is False)
    if form.is_valid():
        try:
            services.disclosure_create(
                actor=request.user, patient=patient, encounter=visit, **form.cleaned_data
            )
        except services.VisitError as error:
            form.add_error(None, refusal_message(error))
        else:
            messages.success(request, _("Disclosure recorded."))
            return redirect("encounters:visit", patient_id=patient.pk, visit_id=visit.pk)
    slot = "consent_disclosure_form" if on_consent else "mandate_form"
    return visit_with_errors(request, patient, visit, **{slot: form})
