"""Referrals on the patient's care plan, through the care-plan services only.

A sent referral waits on the plan as an activity linked by ``referral:<id>``. When the
partner has not answered within the clinic's period, a follow-up activity appears (the task
worker runs the check at the end of each referral's period; ``lantern referrals follow-up``
runs it for every referral at once). "Completed" closes the activities linked to the
referral, and the activity the referral was started from.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import default_task_backend, task

from lantern.careplans import services as careplans
from lantern.careplans.models import OPEN_STATUSES, Activity, Status
from lantern.careplans.models import Category as ActivityCategory
from lantern.referrals.models import Referral, ReferralSettings

if TYPE_CHECKING:
    from lantern.accounts.models import User
    from lantern.patients.models import Patient

FOLLOW_UP_CODE = "referral_follow_up"
WAITING_CODE = "referral_waiting"


def activity_for_start(patient: Patient, activity_id: int) -> Activity | None:
    """An open activity of the patient's plan a referral may start from."""
    return Activity.objects.filter(
        pk=activity_id, plan__patient=patient, status__in=OPEN_STATUSES
    ).first()


def answer_due(referral: Referral) -> datetime.datetime:
    days = ReferralSettings.for_clinic(referral.clinic_id).answer_days
    return referral.status_at + datetime.timedelta(days=days)


def referral_waiting_add(referral: Referral, actor: User) -> Activity:
    """The sent referral on the plan, due when the partner's answer is expected."""
    plan = careplans.careplan_for(patient=referral.patient)
    activity = careplans.activity_add(
        plan=plan,
        actor=actor,
        code=WAITING_CODE,
        title=_("Referral sent: see it through"),
        due=answer_due(referral),
        category=ActivityCategory.SOCIAL,
        owner=referral.owner,
        source="referral",
        external_ref=referral.external_ref,
    )
    if default_task_backend.supports_defer:
        pk = str(referral.pk)
        later = follow_up_referral.using(run_after=answer_due(referral))
        transaction.on_commit(lambda: later.enqueue(pk))
    return activity


def activity_close(referral: Referral, actor: User | None) -> int:
    """Close what waits for this referral on the plan: it was completed."""
    closer = actor or referral.owner or referral.created_by
    closed = careplans.activity_close_for(
        patient=referral.patient, external_ref=referral.external_ref, actor=closer
    )
    if referral.activity_id is not None:
        started_from = activity_for_start(referral.patient, referral.activity_id)
        if started_from is not None:
            careplans.activity_status_set(
                activity=started_from, actor=closer, status=Status.DONE, note="referral completed"
            )
            closed += 1
    return closed


@transaction.atomic
def follow_up_if_unanswered(referral: Referral, now: datetime.datetime | None = None) -> bool:
    """A follow-up activity when the partner has not answered in time; once per referral."""
    now = now or timezone.now()
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if referral.is_draft or referral.is_closed or referral.followed_up_at is not None:
        return False
    if answer_due(referral) > now:
        return False
    careplans.activity_add(
        plan=careplans.careplan_for(patient=referral.patient),
        actor=referral.owner or referral.created_by,
        code=FOLLOW_UP_CODE,
        title=_("Referral: no answer yet from the organisation; follow up"),
        due=now,
        category=ActivityCategory.SOCIAL,
        owner=referral.owner,
        source="referral",
        external_ref=referral.external_ref,
    )
    referral.followed_up_at = now
    referral.save(update_fields=["followed_up_at"])
    return True


def follow_up_all(now: datetime.datetime | None = None) -> int:
    """Every open referral past its clinic's period gets its follow-up; how many did."""
    now = now or timezone.now()
    waiting = Referral.objects.open().filter(followed_up_at__isnull=True)
    return sum(follow_up_if_unanswered(referral, now) for referral in waiting)


@task()
def follow_up_referral(referral_id: str) -> bool:
    """Run by the task worker when a referral's answer is due."""
    referral = Referral.objects.filter(pk=referral_id).first()
    return referral is not None and follow_up_if_unanswered(referral)
