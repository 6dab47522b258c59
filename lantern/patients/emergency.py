"""Break-the-glass: emergency access to records outside one's care teams.

A staff member states a reason and re-authenticates; they may then search the patients of
their health system and open a record for a limited time (default 4 hours). Privacy
officers are alerted at once and review every use.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lantern.accounts.models import EmergencyAccess, ReviewStatus, User
from lantern.accounts.notifications import notify_staff, privacy_officers_for
from lantern.audit.models import Action, Category
from lantern.audit.services import audit_record
from lantern.patients.models import Patient

# A reason must say something: "emergency" alone does not explain a need.
MIN_REASON_LENGTH = 15
SEARCH_WINDOW = datetime.timedelta(minutes=15)


class EmergencyAccessError(Exception):
    """The request cannot be granted; the message is safe to show."""


def access_hours() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.LANTERN_EMERGENCY_ACCESS_HOURS)


@transaction.atomic
def emergency_search_start(*, actor: User, reason: str) -> EmergencyAccess:
    """Record why the actor is looking beyond their care teams; opens a short search window."""
    if not actor.cares_for_patients:
        raise EmergencyAccessError(
            _("Only clinicians, advocates and counselors may use emergency access.")
        )
    if len(reason.strip()) < MIN_REASON_LENGTH:
        raise EmergencyAccessError(_("Describe the emergency in a few words."))
    grant = EmergencyAccess.objects.create(
        user=actor, reason=reason.strip(), expires_at=timezone.now() + SEARCH_WINDOW
    )
    audit_record(action=Action.BREAK_GLASS, actor=actor, obj=grant, detail="search started")
    return grant


def usable_for_search(grant: EmergencyAccess, actor: User) -> bool:
    """A search request of ``actor`` whose short window is still open."""
    return (
        grant.user_id == actor.pk
        and grant.patient_id is None
        and grant.ended_at is None
        and grant.expires_at > timezone.now()
    )


@transaction.atomic
def emergency_access_open(
    *, actor: User, grant: EmergencyAccess, patient: Patient
) -> EmergencyAccess:
    """Open ``patient``'s record for a few hours, under the reason of search ``grant``.

    Opening a record already open returns the existing grant: access is never extended
    without a new reason and a new step-up.
    """
    if not usable_for_search(grant, actor):
        raise EmergencyAccessError(_("This emergency search has ended. Start again."))
    if not patient.clinics.filter(health_system=actor.health_system_id).exists():
        raise EmergencyAccessError(_("This record belongs to another organisation."))
    current = EmergencyAccess.objects.active().filter(user=actor, patient=patient).first()
    if current is not None:
        return current
    now = timezone.now()
    opened = EmergencyAccess.objects.create(
        user=actor,
        patient=patient,
        search=grant,
        reason=grant.reason,
        opened_at=now,
        expires_at=now + access_hours(),
    )
    audit_record(
        action=Action.BREAK_GLASS,
        actor=actor,
        patient_id=patient.pk,
        obj=opened,
        category=Category.IDENTITY,
        detail="record opened with emergency access",
    )
    _alert_privacy_officers(opened, patient)
    return opened


def _alert_privacy_officers(grant: EmergencyAccess, patient: Patient) -> None:
    officers = privacy_officers_for(patient.clinics.values_list("pk", flat=True))
    opened = timezone.localtime(grant.opened_at)
    body = _(
        "%(user)s (%(username)s) opened a patient record with emergency access at %(time)s. "
        "Review this use in Lantern."
    ) % {
        "user": grant.user.display_name,
        "username": grant.user.username,
        "time": f"{opened:%Y-%m-%d %H:%M}",
    }
    notify_staff(
        officers,
        subject=_("Emergency access used"),
        body=body,
        link=reverse("patients:emergency_review", args=[grant.pk]),
    )


@transaction.atomic
def emergency_access_end(*, actor: User, grant: EmergencyAccess) -> None:
    if grant.user_id != actor.pk or grant.ended_at is not None:
        return
    grant.ended_at = timezone.now()
    grant.save(update_fields=["ended_at"])
    audit_record(
        action=Action.BREAK_GLASS,
        actor=actor,
        patient_id=grant.patient_id,
        obj=grant,
        detail="emergency access ended by the user",
    )


@transaction.atomic
def emergency_access_review(
    *, reviewer: User, grant: EmergencyAccess, justified: bool, note: str
) -> EmergencyAccess:
    if grant.user_id == reviewer.pk:
        raise EmergencyAccessError(_("No one reviews their own emergency access."))
    if grant.review_status != ReviewStatus.PENDING:
        raise EmergencyAccessError(_("This use has already been reviewed."))
    grant.review_status = ReviewStatus.JUSTIFIED if justified else ReviewStatus.NOT_JUSTIFIED
    grant.reviewed_by, grant.reviewed_at, grant.review_note = reviewer, timezone.now(), note
    grant.save(update_fields=["review_status", "reviewed_by", "reviewed_at", "review_note"])
    audit_record(
        action=Action.UPDATE,
        actor=reviewer,
        patient_id=grant.patient_id,
        obj=grant,
        detail=f"emergency access reviewed: {grant.review_status}",
    )
    return grant
