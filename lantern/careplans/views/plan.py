"""The patient's care plan: generated and manual activities, owners, statuses, appointments.

Every page is read through ``patient_for`` (audited as a read); every form posts to its own
address, which on GET goes back to the plan; a form that fails comes back on the plan page
with what was typed.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.db.models import Prefetch, QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from lantern.accounts.access import AuthenticatedHttpRequest, refused_as_not_found
from lantern.accounts.chart_access import Section
from lantern.accounts.models import User
from lantern.audit.services import audit_read_shown
from lantern.careplans import services
from lantern.careplans.forms import ActivityForm, AppointmentForm, OwnerForm, StatusForm
from lantern.careplans.generation import careplan_generate
from lantern.careplans.models import Activity, ActivityStatusChange, CarePlan
from lantern.careplans.windows import urgent_text
from lantern.core.http import require_safe, require_safe_or_POST
from lantern.encounters.views.page import visit_for
from lantern.patients.access import care_staff_required, chart_for, patient_for
from lantern.patients.models import Patient

READ = services.AUDIT_CATEGORY


def owners_for(patient: Patient) -> QuerySet[User]:
    """Who may own an activity: active care staff on the patient's care team."""
    return (
        User.objects.care_staff().filter(care_team_roles__patient=patient).order_by("display_name")
    )


def plan_activities(patient: Patient) -> list[Activity]:
    """Every activity of the patient's plan, with owners, history and appointments."""
    return list(
        Activity.objects.filter(plan__patient=patient)
        .select_related("owner", "origin_visit", "origin_screening")
        .prefetch_related(
            Prefetch("changes", ActivityStatusChange.objects.select_related("changed_by")),
            "appointments",
        )
        .order_by("-urgent", "-exposure_unknown", "due", "pk")
    )


def with_countdowns(activities: list[Activity]) -> list[Activity]:
    """Open urgent activities get ``countdown``: "nPEP window closes in 14 h (Tue 19:00)",
    or "decide now" when the exposure time is unknown."""
    now = timezone.now()
    for activity in activities:
        if activity.urgent and activity.is_open and (activity.latest or activity.exposure_unknown):
            activity.countdown = urgent_text(activity, now)  # type: ignore[attr-defined]
    return activities


def _plan_context(
    request: AuthenticatedHttpRequest,
    patient: Patient,
    *,
    can_write: bool,
    failed: dict[str, Any] | None = None,
) -> dict[str, Any]:
    failed = failed or {}
    owners = owners_for(patient)
    owner_choices = OwnerForm.choices_for(owners)
    activities = with_countdowns(plan_activities(patient))
    for activity in activities:
        prefix = f"a{activity.pk}"
        activity.status_form = failed.get(f"{prefix}-status") or StatusForm(  # type: ignore[attr-defined]
            prefix=f"{prefix}-status", initial={"status": activity.status}
        )
        activity.owner_form = failed.get(f"{prefix}-owner") or OwnerForm(  # type: ignore[attr-defined]
            prefix=f"{prefix}-owner",
            owners=owners,
            choices=owner_choices,
            initial={"owner": activity.owner_id},
        )
        activity.appointment_form = failed.get(f"{prefix}-appointment") or AppointmentForm(  # type: ignore[attr-defined]
            prefix=f"{prefix}-appointment"
        )
    return {
        "patient": patient,
        "plan": CarePlan.objects.filter(patient=patient).first(),
        "open_activities": [a for a in activities if a.is_open],
        "closed_activities": [a for a in activities if not a.is_open],
        "can_write": can_write,
        # Starting a referral changes the record and needs the chart's referrals section.
        "may_refer": can_write and Section.REFERRALS in chart_for(request, patient),
        "activity_form": failed.get("activity") or ActivityForm(owners=owners),
    }


@care_staff_required
@require_safe
def careplan_detail(request: AuthenticatedHttpRequest, patient_id: UUID) -> HttpResponse:
    """The plan: physical and mental health in one list, urgent windows first."""
    patient, can_write = patient_for(request, patient_id, read=READ, section=Section.CARE_PLAN)
    return render(
        request, "careplans/plan.html", _plan_context(request, patient, can_write=can_write)
    )


def _plan_with_errors(
    request: AuthenticatedHttpRequest, patient: Patient, **failed: Any
) -> HttpResponse:
    audit_read_shown(request=request, patient_id=patient.pk, obj=patient, category=READ)
    context = _plan_context(request, patient, can_write=True, failed=failed)
    return render(request, "careplans/plan.html", context)


def _activity_for(
    request: AuthenticatedHttpRequest, patient: Patient, activity_id: int
) -> Activity:
    activity = (
        Activity.objects.filter(pk=activity_id, plan__patient=patient)
        .select_related("plan")
        .first()
    )
    if activity is None:
        raise refused_as_not_found(request, "activity of another patient", patient.pk)
    return activity


def _back(patient: Patient) -> HttpResponse:
    return redirect("careplans:plan", patient_id=patient.pk)


@care_staff_required
@require_safe_or_POST
def careplan_generate_view(
    request: AuthenticatedHttpRequest, patient_id: UUID, visit_id: int
) -> HttpResponse:
    """Make (or complete) the plan from the visit's follow-up assessment."""
    patient = patient_for(request, patient_id, write=True, section=Section.CARE_PLAN).patient
    visit = visit_for(request, patient, visit_id)
    if request.method != "POST":  # the address reloaded, or its language changed
        return redirect("encounters:visit", patient_id=patient.pk, visit_id=visit.pk)
    try:
        made = careplan_generate(patient=patient, visit=visit, actor=request.user)
    except services.CarePlanError as error:
        messages.error(request, str(error))
        return redirect("encounters:visit", patient_id=patient.pk, visit_id=visit.pk)
    messages.success(
        request,
        _("Care plan made from %(protocol)s: %(added)s activities added, %(kept)s already there.")
        % {"protocol": made.protocol, "added": made.added, "kept": made.kept},
    )
    return _back(patient)


@care_staff_required
@require_safe_or_POST
def activity_add(request: AuthenticatedHttpRequest, patient_id: UUID) -> HttpResponse:
    patient = patient_for(request, patient_id, write=True, section=Section.CARE_PLAN).patient
    if request.method != "POST":
        return _back(patient)
    form = ActivityForm(request.POST, owners=owners_for(patient))
    if not form.is_valid():
        return _plan_with_errors(request, patient, activity=form)
    data = form.cleaned_data
    services.activity_add(
        plan=services.careplan_for(patient=patient),
        actor=request.user,
        code=data["kind"],
        title=data["title"],
        due=data["due"],
        category=form.category,
        owner=data["owner"],
        rationale=data["rationale"],
    )
    messages.success(request, _("Activity added to the care plan."))
    return _back(patient)


def _activity_post(
    request: AuthenticatedHttpRequest, patient_id: UUID, activity_id: int
) -> tuple[Patient, Activity] | HttpResponse:
    """The patient and activity a change is for; a GET (reload, language change) goes back
    to the plan."""
    patient = patient_for(request, patient_id, write=True, section=Section.CARE_PLAN).patient
    activity = _activity_for(request, patient, activity_id)
    if request.method != "POST":
        return _back(patient)
    return patient, activity


@care_staff_required
@require_safe_or_POST
def activity_status(
    request: AuthenticatedHttpRequest, patient_id: UUID, activity_id: int
) -> HttpResponse:
    found = _activity_post(request, patient_id, activity_id)
    if isinstance(found, HttpResponse):
        return found
    patient, activity = found
    prefix = f"a{activity.pk}-status"
    form = StatusForm(request.POST, prefix=prefix)
    if not form.is_valid():
        return _plan_with_errors(request, patient, **{prefix: form})
    services.activity_status_set(activity=activity, actor=request.user, **form.cleaned_data)
    messages.success(request, _("Status changed."))
    return _back(patient)


@care_staff_required
@require_safe_or_POST
def activity_owner(
    request: AuthenticatedHttpRequest, patient_id: UUID, activity_id: int
) -> HttpResponse:
    found = _activity_post(request, patient_id, activity_id)
    if isinstance(found, HttpResponse):
        return found
    patient, activity = found
    prefix = f"a{activity.pk}-owner"
    form = OwnerForm(request.POST, prefix=prefix, owners=owners_for(patient))
    if not form.is_valid():
        return _plan_with_errors(request, patient, **{prefix: form})
    services.activity_owner_set(
        activity=activity, actor=request.user, owner=form.cleaned_data["owner"]
    )
    messages.success(request, _("Owner changed."))
    return _back(patient)


@care_staff_required
@require_safe_or_POST
def appointment_add(
    request: AuthenticatedHttpRequest, patient_id: UUID, activity_id: int
) -> HttpResponse:
    found = _activity_post(request, patient_id, activity_id)
    if isinstance(found, HttpResponse):
        return found
    patient, activity = found
    prefix = f"a{activity.pk}-appointment"
    form = AppointmentForm(request.POST, prefix=prefix)
    if not form.is_valid():
        return _plan_with_errors(request, patient, **{prefix: form})
    services.appointment_add(activity=activity, actor=request.user, **form.cleaned_data)
    messages.success(request, _("Appointment booked."))
    return _back(patient)
