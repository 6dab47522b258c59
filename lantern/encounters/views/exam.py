"""Examination steps and injuries on the body map."""

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
from lantern.encounters.choices import ExamStepStatus
from lantern.encounters.forms import ExamStepForm, InjuryForm
from lantern.encounters.views.page import refusal_message, visit_for, visit_with_errors
from lantern.patients.access import care_staff_required, patient_for


@care_staff_required
@require_safe_or_POST
def exam_step_add(
    request: AuthenticatedHttpRequest, patient_id: UUID, visit_id: int
) -> HttpResponse:
    """A step done (only with every consent it needs), declined, skipped or stopped."""
    patient = patient_for(request, patient_id, write=True, section=Section.EXAM_FINDINGS).patient
    visit = visit_for(request, patient, visit_id)
    if request.method != "POST":  # the address reloaded, or its language changed
        return redirect("encounters:visit", patient_id=patient.pk, visit_id=visit.pk)
    done = request.POST.get("status") == ExamStepStatus.DONE
    form = ExamStepForm(request.POST, done=done)
    if form.is_valid():
        try:
            services.exam_step_record(actor=request.user, encounter=visit, **form.cleaned_data)
        except services.VisitError as error:
            form.add_error(None, refusal_message(error))
        else:
            messages.success(request, _("Examination step recorded."))
            return redirect("encounters:visit", patient_id=patient.pk, visit_id=visit.pk)
    slot = "done_form" if done else "other_form"
    return visit_with_errors(request, patient, visit, **{slot: form})


@care_staff_required
@require_safe_or_POST
def injury_add(request: AuthenticatedHttpRequest, patient_id: UUID, visit_id: int) -> HttpResponse:
    patient = patient_for(request, patient_id, write=True, section=Section.INJURIES).patient
    visit = visit_for(request, patient, visit_id)
    if request.method != "POST":  # the address reloaded, or its language changed
        return redirect("encounters:visit", patient_id=patient.pk, visit_id=visit.pk)
    form = InjuryForm(request.POST)
    if form.is_valid():
        try:
            services.injury_record(actor=request.user, encounter=visit, **form.cleaned_data)
        except services.VisitError as error:
            form.add_error(None, refusal_message(error))
        else:
            messages.success(request, _("Injury recorded."))
            return redirect("encounters:visit", patient_id=patient.pk, visit_id=visit.pk)
    return visit_with_errors(request, patient, visit, injury_form=form)
