"""The visit's follow-up assessment: the facts a care plan is made from."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from lantern.accounts.access import AuthenticatedHttpRequest
from lantern.accounts.chart_access import Section
from lantern.core.http import require_safe_or_POST
from lantern.encounters import services
from lantern.encounters.forms import FollowUpAssessmentForm
from lantern.encounters.models import Encounter, FollowUpAssessment
from lantern.encounters.views.page import visit_for, visit_with_errors
from lantern.patients.access import care_staff_required, patient_for
from lantern.patients.models import Patient

FIELDS = tuple(FollowUpAssessmentForm.base_fields)


_UNREAD: Any = object()


def follow_up_form(
    patient: Patient, visit: Encounter, data: Any = None, *, assessment: Any = _UNREAD
) -> FollowUpAssessmentForm:
    """The form, filled with the visit's assessment when there is one (pass ``assessment``
    when the caller has already read it, ``None`` included)."""
    if assessment is _UNREAD:
        assessment = FollowUpAssessment.objects.filter(encounter=visit).first()
    initial: dict[str, Any] = {"hbv_doses_before": 0, "hpv_doses_before": 0}
    if assessment is not None:
        initial = {name: getattr(assessment, name) for name in FIELDS}
    return FollowUpAssessmentForm(
        data,
        initial=initial,
        birth_date=patient.birth_date,
        male=patient.sex_at_birth == "male",
    )


@care_staff_required
@require_safe_or_POST
def follow_up_record(
    request: AuthenticatedHttpRequest, patient_id: UUID, visit_id: int
) -> HttpResponse:
    patient = patient_for(request, patient_id, write=True, section=Section.EXAM_FINDINGS).patient
    visit = visit_for(request, patient, visit_id)
    if request.method != "POST":  # the address reloaded, or its language changed
        return redirect("encounters:visit", patient_id=patient.pk, visit_id=visit.pk)
    form = follow_up_form(patient, visit, request.POST)
    if not form.is_valid():
        return visit_with_errors(request, patient, visit, follow_up_form=form)
    values = {name: form.cleaned_data[name] for name in FIELDS}
    services.follow_up_assessment_record(actor=request.user, encounter=visit, **values)
    messages.success(request, _("Follow-up assessment saved."))
    return redirect("encounters:visit", patient_id=patient.pk, visit_id=visit.pk)
