"""Care-plan writes: keyword-only, transactional, audited.

Other apps (referrals, reminders) call these; they never write care-plan tables themselves.

* ``careplan_for(*, patient)``: the patient's plan, made on first use.
* ``activity_add(*, plan, actor, code, title, due, ...)``: a manual or linked activity.
* ``activity_status_set(*, activity, actor, status, note="")``: with who, when, from, to.
* ``activity_close_for(*, patient, external_ref, actor, status="done")``: closes the open
  activities another app linked with ``external_ref``; returns how many.
* ``activity_owner_set`` and ``appointment_add``: owning and booking an activity.
* ``careplan_generate`` (``lantern.careplans.generation``): the protocol's activities for a
  visit's facts.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from lantern.audit.models import Action, Category
from lantern.audit.services import audit_record
from lantern.careplans.models import (
    OPEN_STATUSES,
    Activity,
    ActivityStatusChange,
    Appointment,
    CarePlan,
    Status,
)
from lantern.careplans.models import Category as ActivityCategory

if TYPE_CHECKING:
    from lantern.accounts.models import User
    from lantern.patients.models import Patient

# Care plans hold follow-up after sexual assault or exploitation, and mental-health care.
AUDIT_CATEGORY = Category.SENSITIVE


class CarePlanError(ValueError):
    """A care-plan write that cannot be done; the message is safe to show to staff."""


def careplan_for(*, patient: Patient) -> CarePlan:
    """The patient's care plan, created the first time it is needed."""
    plan, _created = CarePlan.objects.get_or_create(patient=patient)
    return plan


def _audit(actor: User, activity: Activity, action: Action, detail: str) -> None:
    audit_record(
        action=action,
        actor=actor,
        patient_id=activity.plan.patient_id,
        obj=activity,
        category=AUDIT_CATEGORY,
        detail=detail,
    )


@transaction.atomic
def activity_add(
    *,
    plan: CarePlan,
    actor: User,
    code: str,
    title: str,
    due: datetime.datetime,
    category: str = ActivityCategory.PRACTICAL,
    owner: User | None = None,
    urgent: bool = False,
    rationale: str = "",
    source: str = "",
    earliest: datetime.datetime | None = None,
    latest: datetime.datetime | None = None,
    external_ref: str = "",
) -> Activity:
    """Add one activity to ``plan`` (manual, or linked from another app by ``external_ref``)."""
    if not title.strip():
        raise CarePlanError("An activity needs a title.")
    if category not in ActivityCategory.values:
        raise CarePlanError(f"Unknown area of care: {category}.")
    if earliest is not None and earliest > due:
        raise CarePlanError("The earliest date is after the due date.")
    if latest is not None and latest < due:
        raise CarePlanError("The latest date is before the due date.")
    activity = Activity.objects.create(
        plan=plan,
        code=code,
        title=title.strip(),
        category=category,
        owner=owner,
        urgent=urgent,
        rationale=rationale,
        source=source,
        earliest=earliest,
        due=due,
        latest=latest,
        external_ref=external_ref,
        created_by=actor,
    )
    _audit(actor, activity, Action.CREATE, f"activity {code}")
    return activity


@transaction.atomic
def activity_status_set(
    *, activity: Activity, actor: User, status: str, note: str = ""
) -> Activity:
    """Change the status, keeping who changed it, when, from what and why."""
    if status not in Status.values:
        raise CarePlanError(f"Unknown status: {status}.")
    locked = Activity.objects.select_for_update().select_related("plan").get(pk=activity.pk)
    if locked.status == status:
        return locked
    ActivityStatusChange.objects.create(
        activity=locked,
        changed_by=actor,
        changed_at=timezone.now(),
        from_status=locked.status,
        to_status=status,
        note=note,
    )
    previous, locked.status = locked.status, status
    locked.save(update_fields=["status"])
    _audit(actor, locked, Action.UPDATE, f"status {previous} -> {status}")
    return locked


@transaction.atomic
def activity_owner_set(*, activity: Activity, actor: User, owner: User | None) -> Activity:
    """Give the activity to ``owner`` (or to nobody)."""
    activity.owner = owner
    activity.save(update_fields=["owner"])
    _audit(actor, activity, Action.UPDATE, "owner set" if owner else "owner cleared")
    return activity


@transaction.atomic
def appointment_add(
    *,
    activity: Activity,
    actor: User,
    starts_at: datetime.datetime,
    place: str = "",
    notes: str = "",
) -> Appointment:
    """Book a time for the activity; a planned activity becomes scheduled."""
    appointment = Appointment.objects.create(
        activity=activity, starts_at=starts_at, place=place, notes=notes, created_by=actor
    )
    _audit(actor, activity, Action.CREATE, "appointment")
    if activity.status == Status.PLANNED:
        activity_status_set(activity=activity, actor=actor, status=Status.SCHEDULED)
        activity.status = Status.SCHEDULED
    return appointment


@transaction.atomic
def activity_close_for(
    *, patient: Patient, external_ref: str, actor: User, status: str = Status.DONE
) -> int:
    """Close the patient's open activities linked by ``external_ref``; how many were closed."""
    if not external_ref:
        raise CarePlanError("An external reference is needed.")
    found = Activity.objects.filter(
        plan__patient=patient, external_ref=external_ref, status__in=OPEN_STATUSES
    ).select_related("plan")
    closed = 0
    for activity in found:
        activity_status_set(activity=activity, actor=actor, status=status)
        closed += 1
    return closed
