"""Visits: the list and starting one, the visit page, its details, instructions and ending it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from lantern.accounts.access import AuthenticatedHttpRequest
from lantern.accounts.chart_access import Section
from lantern.accounts.models import User
from lantern.audit.models import Category
from lantern.core.http import require_safe, require_safe_or_POST
from lantern.encounters import services
from lantern.encounters.forms import InstructionsForm, VisitDetailsForm, VisitStartForm
from lantern.encounters.models import Encounter
from lantern.encounters.views.page import render_visit, visit_for, visit_with_errors
from lantern.patients.access import care_staff_required, patient_for
from lantern.patients.models import Patient


def _staff_choices(patient: Patient, user: User, visit: Encounter | None = None) -> Any:
    """Care staff at the patient's clinics who could be in the room (and those who were)."""
    candidates = Q(
        pk__in=User.objects.care_staff()
        .filter(clinics__in=patient.clinics.all())
        .exclude(pk=user.pk)
        .values("pk")
    )
    if visit is not None:
        candidates |= Q(pk__in=visit.staff_present.values("pk"))
    return User.objects.filter(candidates).order_by("display_name")


@care_staff_required
@require_safe_or_POST
def visit_list(request: AuthenticatedHttpRequest, patient_id: UUID) -> HttpResponse:
    """The patient's visits, and starting a new one (care team only)."""
    patient, can_write = patient_for(
        request, patient_id, read=Category.EXAM, write=request.method == "POST"
    )
    user = request.user
    clinics = patient.clinics.filter(pk__in=user.clinics.all())
    form = VisitStartForm(
        request.POST or None,
        clinics=clinics,
        staff=_staff_choices(patient, user),
        interpreter_needed=patient.interpreter_needed,
    )
    if request.method == "POST" and form.is_valid():
        try:
            visit = services.encounter_start(actor=user, patient=patient, **form.cleaned_data)
        except services.VisitError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Visit started."))
            return redirect("encounters:visit", patient_id=patient.pk, visit_id=visit.pk)
    return render(
        request,
        "encounters/visit_list.html",
        {
            "patient": patient,
            "form": form,
            "visits": patient.encounters.select_related("clinic"),
            "can_write": can_write,
            "can_start": clinics.exists(),
        },
    )


@care_staff_required
@require_safe
def visit_detail(
    request: AuthenticatedHttpRequest, patient_id: UUID, visit_id: int
) -> HttpResponse:
    """The visit: before-you-begin card, consent, examination, injuries, disclosures."""
    patient, can_write = patient_for(request, patient_id, read=Category.EXAM)
    visit = visit_for(request, patient, visit_id)
    return render_visit(request, patient, visit, can_write=can_write)


def _details_initial(visit: Encounter) -> dict[str, Any]:
    return {
        "companion": visit.companion,
        "companion_relationship": visit.companion_relationship,
        "interpreter": visit.interpreter,
        "interpreter_reason": visit.interpreter_reason,
        "staff_present": list(visit.staff_present.all()),
    }


@care_staff_required
@require_safe_or_POST
def visit_edit(request: AuthenticatedHttpRequest, patient_id: UUID, visit_id: int) -> HttpResponse:
    """Who is in the room can change during a visit: companion, interpreter, staff."""
    patient = patient_for(
        request, patient_id, read=Category.EXAM, write=True, section=Section.VISIT_DETAILS
    ).patient
    visit = visit_for(request, patient, visit_id)
    user = request.user
    form = VisitDetailsForm(
        request.POST or None,
        initial=_details_initial(visit),
        staff=_staff_choices(patient, user, visit),
        interpreter_needed=patient.interpreter_needed,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.encounter_update(actor=user, encounter=visit, **form.cleaned_data)
        except services.VisitError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Visit details saved."))
            return redirect("encounters:visit", patient_id=patient.pk, visit_id=visit.pk)
    return render(
        request, "encounters/visit_edit.html", {"patient": patient, "visit": visit, "form": form}
    )


@care_staff_required
@require_safe_or_POST
def visit_instructions(
    request: AuthenticatedHttpRequest, patient_id: UUID, visit_id: int
) -> HttpResponse:
    patient = patient_for(request, patient_id, write=True, section=Section.TAKE_HOME).patient
    visit = visit_for(request, patient, visit_id)
    if request.method != "POST":  # the address reloaded, or its language changed
        return redirect("encounters:visit", patient_id=patient.pk, visit_id=visit.pk)
    form = InstructionsForm(request.POST)
    if not form.is_valid():
        return visit_with_errors(request, patient, visit, instructions_form=form)
    services.encounter_update(actor=request.user, encounter=visit, **form.cleaned_data)
    messages.success(request, _("Instructions for the patient saved."))
    return redirect("encounters:visit", patient_id=patient.pk, visit_id=visit.pk)


@care_staff_required
@require_safe_or_POST
def visit_end(request: AuthenticatedHttpRequest, patient_id: UUID, visit_id: int) -> HttpResponse:
    patient = patient_for(request, patient_id, write=True).patient
    visit = visit_for(request, patient, visit_id)
    if request.method != "POST":  # the address reloaded, or its language changed
        return redirect("encounters:visit", patient_id=patient.pk, visit_id=visit.pk)
    services.encounter_end(actor=request.user, encounter=visit)
    messages.success(request, _("Visit ended."))
    return redirect("encounters:visit", patient_id=patient.pk, visit_id=visit.pk)
