"""Recording the patient's consent decisions, and withdrawing a consent at once."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from lantern.accounts.access import AuthenticatedHttpRequest, refused_as_not_found
from lantern.accounts.chart_access import Section
from lantern.core.http import require_safe_or_POST
from lantern.encounters import consent_rules, services
from lantern.encounters.choices import ConsentStatus
from lantern.encounters.forms import ConsentForm
from lantern.encounters.models import ConsentRecord
from lantern.encounters.views.page import visit_for, visit_with_errors
from lantern.patients.access import care_staff_required, patient_for


@care_staff_required
@require_safe_or_POST
def consent_add(request: AuthenticatedHttpRequest, patient_id: UUID, visit_id: int) -> HttpResponse:
    patient = patient_for(request, patient_id, write=True, section=Section.CONSENTS).patient
    visit = visit_for(request, patient, visit_id)
    if request.method != "POST":  # the address reloaded, or its language changed
        return redirect("encounters:visit", patient_id=patient.pk, visit_id=visit.pk)
    form = ConsentForm(request.POST, adult=patient.is_minor() is False)
    if form.is_valid():
        try:
            services.consent_record(
                actor=request.user, patient=patient, encounter=visit, **form.cleaned_data
            )
        except services.VisitError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Consent decision recorded."))
            return redirect("encounters:visit", patient_id=patient.pk, visit_id=visit.pk)
    return visit_with_errors(request, patient, visit, consent_form=form)


@care_staff_required
@require_safe_or_POST
def consent_withdraw(
    request: AuthenticatedHttpRequest, patient_id: UUID, visit_id: int, consent_id: int
) -> HttpResponse:
    """The patient changed their mind: effective now, and the earlier record stays."""
    patient = patient_for(request, patient_id, write=True, section=Section.CONSENTS).patient
    visit = visit_for(request, patient, visit_id)
    if request.method != "POST":  # the address reloaded, or its language changed
        return redirect("encounters:visit", patient_id=patient.pk, visit_id=visit.pk)
    record = ConsentRecord.objects.filter(
        pk=consent_id, patient=patient, status=ConsentStatus.GIVEN
    ).first()
    if record is None or (
        consent_rules.SCOPES[record.scope].per_visit and record.encounter_id != visit.pk
    ):
        raise refused_as_not_found(request, "consent not of this visit", patient.pk)
    services.consent_withdraw(actor=request.user, record=record)
    messages.success(
        request,
        _("Consent withdrawn: %(scope)s. Nothing that needs it can be recorded from now on.")
        % {"scope": record.get_scope_display()},
    )
    return redirect("encounters:visit", patient_id=patient.pk, visit_id=visit.pk)
