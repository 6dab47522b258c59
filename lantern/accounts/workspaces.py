"""Each role's start page: the work that waits for them, built from what Lantern records.

Every builder takes a constant number of queries whatever the number of patients (lists are
capped at ``SHOWN``), and every patient named on a page is audited as a read of that
patient, all in one append. Work that other parts of Lantern will bring has a labelled slot
until it arrives.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.functional import Promise

from lantern.accounts.access import AuthenticatedHttpRequest
from lantern.accounts.models import Clinic, ReviewStatus, Role, User
from lantern.audit.models import AuditEvent, Category, Outcome
from lantern.audit.services import audit_reads_listed
from lantern.careplans.models import Activity
from lantern.careplans.models import Category as ActivityArea
from lantern.encounters.models import Encounter
from lantern.patients.forms import SearchForm
from lantern.patients.models import Patient
from lantern.referrals.models import Attribute, Referral, ReferralStatus
from lantern.screening.alerts import urgent_alerts
from lantern.screening.models import ScreeningResult, ScreeningSession
from lantern.training import status as training_status

SHOWN = 20
POSITIVE_SCREENS_DAYS = 90
CONTACT_PLAN_STALE_DAYS = 90
REFUSALS_DAYS = 7
MENTAL_HEALTH = ("mental_health", "suicide_risk")
RESCREEN = "mental-health-rescreen"  # the follow-up protocols' re-screening activity
RESCREEN_SOON_DAYS = 14
NEEDS_AREAS = (ActivityArea.SOCIAL, ActivityArea.PRACTICAL)
THERAPY_NEEDS = ("counseling-therapy", "peer-support")  # Lantern's directory needs


@dataclass(frozen=True)
class Slot:
    """A labelled place for work another part of Lantern will bring."""

    key: str
    title: Promise
    note: Promise


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
        "worklist": _worklist(user),
        "urgent_windows": _urgent_windows(user),
    }


def _worklist(user: User) -> list[Activity]:
    """Open care-plan activities of the user's patients that are theirs or no one's yet."""
    return list(
        Activity.objects.open()
        .filter(plan__patient__in=_mine(user))
        .filter(Q(owner=user) | Q(owner__isnull=True))
        .select_related("plan__patient", "owner")
        .order_by("due", "pk")[:SHOWN]
    )


def _urgent_windows(user: User) -> list[Activity]:
    """Open urgent activities (nPEP, emergency contraception ...) whose window is still open:
    those whose exposure time is unknown first (the clinician decides now), then the one
    closing first."""
    return list(
        Activity.objects.open()
        .filter(plan__patient__in=_mine(user), urgent=True, latest__gte=timezone.now())
        .select_related("plan__patient")
        .order_by("-exposure_unknown", "latest", "pk")[:SHOWN]
    )


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
        "referrals_waiting": list(
            Referral.objects.open()
            .filter(patient__in=_mine(user))
            .select_related("patient", "service")
            .order_by("status_at")[:SHOWN]
        ),
        "needs": _needs_without_referral(user),
    }


def _needs_without_referral(user: User) -> list[Activity]:
    """Open social and practical activities that no referral was started from or answers."""
    referred = Referral.objects.filter(activity_id__isnull=False).values("activity_id")
    return list(
        Activity.objects.open()
        .filter(plan__patient__in=_mine(user), category__in=NEEDS_AREAS)
        .exclude(pk__in=referred)
        .exclude(external_ref__startswith="referral:")
        .select_related("plan__patient")
        .order_by("due", "pk")[:SHOWN]
    )


def counselor(user: User) -> dict[str, Any]:
    since = timezone.now() - datetime.timedelta(days=POSITIVE_SCREENS_DAYS)
    followed_up = Activity.objects.filter(
        origin_screening=OuterRef("session_id"), category=ActivityArea.MENTAL
    )
    positive = list(
        ScreeningResult.objects.released()
        .filter(
            patient__in=_mine(user),
            positive=True,
            category__in=MENTAL_HEALTH,
            recorded_at__gte=since,
        )
        .filter(~Exists(followed_up))
        .select_related("patient", "session")
        .defer("answers")
        .order_by("-recorded_at")[:SHOWN]
    )
    rescreens = list(
        Activity.objects.open()
        .filter(
            plan__patient__in=_mine(user),
            code=RESCREEN,
            due__lt=timezone.now() + datetime.timedelta(days=RESCREEN_SOON_DAYS),
        )
        .select_related("plan__patient")
        .order_by("due", "pk")[:SHOWN]
    )
    return {
        "positive_screens": positive,
        "positive_days": POSITIVE_SCREENS_DAYS,
        "rescreens": rescreens,
        "rescreen_days": RESCREEN_SOON_DAYS,
        "deferred": _deferred(user),
        "therapy_referrals": _therapy_referrals(user),
        "worklist": _worklist(user),
    }


def _therapy_referrals(user: User) -> list[Referral]:
    """Referrals of the user's patients to services the directory lists for therapy or groups."""
    therapy = Attribute.objects.filter(
        linked_type="service", taxonomy_term__code__in=THERAPY_NEEDS
    ).values("link_id")
    return list(
        Referral.objects.filter(patient__in=_mine(user), service__hsds_id__in=therapy)
        .exclude(status__in=(ReferralStatus.CANCELLED, ReferralStatus.DRAFT))
        .select_related("patient", "service")
        .order_by("-status_at")[:SHOWN]
    )


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
    for key in ("worklist", "urgent_windows", "needs", "rescreens"):
        named += [activity.plan.patient_id for activity in context.get(key, ())]
    for key in ("referrals_waiting", "therapy_referrals"):
        named += [referral.patient_id for referral in context.get(key, ())]
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
