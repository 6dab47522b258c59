"""Each role's start page: the work that waits for them, built from what Lantern records.

Every builder takes a constant number of queries whatever the number of patients (lists are
capped at ``SHOWN``), and every patient named on a page is audited as a read of that
patient, all in one append. Work that other parts of Lantern will bring (care-plan
worklists, referrals) has a labelled slot until it arrives.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from lantern.accounts.access import AuthenticatedHttpRequest
from lantern.accounts.models import Clinic, ReviewStatus, Role, User
from lantern.audit.models import AuditEvent, Category, Outcome
from lantern.audit.services import audit_reads_listed
from lantern.encounters.models import Encounter
from lantern.patients.forms import SearchForm
from lantern.patients.models import Patient
from lantern.screening.alerts import urgent_alerts
from lantern.screening.models import ScreeningResult, ScreeningSession
from lantern.training import status as training_status

SHOWN = 20
POSITIVE_SCREENS_DAYS = 90
CONTACT_PLAN_STALE_DAYS = 90
REFUSALS_DAYS = 7
MENTAL_HEALTH = ("mental_health", "suicide_risk")


@dataclass(frozen=True)
class Slot:
    """A labelled place for work another part of Lantern will bring."""

    key: str
    title: Promise
    note: Promise


CARE_PLAN_WORKLIST = Slot(
    "worklist",
    _("Your worklist"),
    _("Follow-ups from care plans will be listed here once care plans are in use."),
)
REFERRALS_WAITING = Slot(
    "referrals",
    _("Referrals awaiting an answer"),
    _(
        "Referrals sent to services will be listed here, with their answers, once "
        "referrals are in use."
    ),
)
NEEDS_WITHOUT_REFERRAL = Slot(
    "needs",
    _("Needs without a referral"),
    _("Needs recorded in care plans that no referral answers yet will be listed here."),
)
THERAPY_REFERRALS = Slot(
    "therapy",
    _("Therapy and group referrals"),
    _("Referrals to therapy and peer groups will be listed here once referrals are in use."),
)
PROGRAM_REPORTS = Slot(
    "reports",
    _("Program reports"),
    _("De-identified reports of patients seen, screened and referred will be here."),
)


def _mine(user: User) -> Any:
    return Patient.objects.cared_for_by(user)


def _day_start() -> datetime.datetime:
    today = timezone.localdate()
    return timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))


def _own_training(user: User) -> list[training_status.ModuleStatus]:
    months = training_status.valid_months_for(user)
    return [s for s in training_status.statuses(user, months) if not s.current]


def clinician(user: User) -> dict[str, Any]:
    visits = list(
        Encounter.objects.filter(patient__in=_mine(user))
        .filter(Q(started_at__gte=_day_start()) | Q(ended_at__isnull=True))
        .select_related("patient", "clinic")
        .order_by("-started_at")[:SHOWN]
    )
    return {
        "todays_visits": visits,
        "urgent": urgent_alerts(user),
        "deferred": _deferred(user),
        "slots": [CARE_PLAN_WORKLIST],
    }


def _deferred(user: User) -> list[ScreeningSession]:
    return list(
        ScreeningSession.objects.deferred()
        .filter(patient__in=_mine(user))
        .select_related("patient")
        .order_by("started_at")[:SHOWN]
    )


def advocate(user: User) -> dict[str, Any]:
    stale = timezone.localdate() - datetime.timedelta(days=CONTACT_PLAN_STALE_DAYS)
    to_confirm = list(
        _mine(user)
        .filter(
            Q(contact_plan__isnull=True)
            | Q(contact_plan__confirmed_at__isnull=True)
            | Q(contact_plan__confirmed_at__lt=stale)
        )
        .select_related("contact_plan")
        .order_by("registered_at")[:SHOWN]
    )
    do_not_contact = list(_mine(user).filter(contact_plan__do_not_contact=True)[:SHOWN])
    return {
        "contact_plans": to_confirm,
        "do_not_contact": do_not_contact,
        "stale_days": CONTACT_PLAN_STALE_DAYS,
        "slots": [REFERRALS_WAITING, NEEDS_WITHOUT_REFERRAL],
    }


def counselor(user: User) -> dict[str, Any]:
    since = timezone.now() - datetime.timedelta(days=POSITIVE_SCREENS_DAYS)
    positive = list(
        ScreeningResult.objects.released()
        .filter(
            patient__in=_mine(user),
            positive=True,
            category__in=MENTAL_HEALTH,
            recorded_at__gte=since,
        )
        .select_related("patient", "session")
        .defer("answers")
        .order_by("-recorded_at")[:SHOWN]
    )
    return {
        "positive_screens": positive,
        "positive_days": POSITIVE_SCREENS_DAYS,
        "deferred": _deferred(user),
        "slots": [THERAPY_REFERRALS, CARE_PLAN_WORKLIST],
    }


def privacy_officer(user: User) -> dict[str, Any]:
    from lantern.patients.views.emergency_review import reviewable_by

    pending = reviewable_by(user).filter(review_status=ReviewStatus.PENDING)
    since = timezone.now() - datetime.timedelta(days=REFUSALS_DAYS)
    refusals = AuditEvent.objects.filter(
        outcome=Outcome.DENIED,
        at__gte=since,
        actor__health_system=user.health_system_id,
        actor__health_system__isnull=False,
    )
    return {
        "pending_count": pending.count(),
        "pending": list(pending.order_by("created_at")[:SHOWN]),
        "refusal_count": refusals.count(),
        "refusals": list(refusals.order_by("-sequence")[:SHOWN]),
        "refusal_days": REFUSALS_DAYS,
    }


def administrator(user: User) -> dict[str, Any]:
    from lantern.careplans.protocols.registry import all_protocols

    staff = User.objects.filter(health_system=user.health_system_id)
    return {
        "staff_active": staff.filter(is_active=True).count(),
        "staff_inactive": staff.filter(is_active=False).count(),
        "clinics": list(
            Clinic.objects.filter(health_system=user.health_system_id).select_related(
                "training_policy"
            )
        ),
        "protocols": list(all_protocols().values()),
    }


def program_manager(user: User) -> dict[str, Any]:
    from lantern.training.views import clinic_training_rows, status_clinics

    return {
        "training": clinic_training_rows(status_clinics(user)),
        "slots": [PROGRAM_REPORTS],
    }


BUILDERS: dict[str, Callable[[User], dict[str, Any]]] = {
    Role.CLINICIAN: clinician,
    Role.ADVOCATE: advocate,
    Role.COUNSELOR: counselor,
    Role.PRIVACY_OFFICER: privacy_officer,
    Role.ADMINISTRATOR: administrator,
    Role.PROGRAM_MANAGER: program_manager,
}


def _patients_named(context: dict[str, Any]) -> list[Any]:
    """Every patient the page names."""
    named: list[Any] = []
    named += [visit.patient_id for visit in context.get("todays_visits", ())]
    named += [session.patient_id for session in context.get("deferred", ())]
    named += [patient.pk for patient in context.get("contact_plans", ())]
    named += [patient.pk for patient in context.get("do_not_contact", ())]
    named += [alert.result.patient_id for alert in context.get("urgent", ())]
    named += [result.patient_id for result in context.get("positive_screens", ())]
    return named


def workspace(request: AuthenticatedHttpRequest) -> dict[str, Any]:
    """The start page's content for ``request.user``'s role; patients named are audited."""
    user = request.user
    builder = BUILDERS.get(user.role)
    context: dict[str, Any] = builder(user) if builder is not None else {}
    context["role"] = user.role
    context["clinics"] = list(user.clinics.all())
    context["training_due"] = _own_training(user)
    audit_reads_listed(
        request=request,
        patient_ids=_patients_named(context),
        category=Category.IDENTITY,
        detail="listed on the start page",
    )
    if user.cares_for_patients:  # care staff search for a patient from here
        context.update({"form": SearchForm(), "matches": [], "query": ""})
    return context
