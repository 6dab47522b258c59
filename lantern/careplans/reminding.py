"""Care-plan reminders: the reminder policy (``lantern.careplans.reminders``) applied to the
registry's preferences and sent through the outbox (``lantern.messaging``).

``reminders_sweep(now=...)`` runs every ``SWEEP_EVERY`` on the task worker and:

* reminds patients of appointments in the next ``APPOINTMENT_LEAD`` and of open activities
  falling due within ``DUE_LEAD`` that have no appointment booked;
* reminds staff (in Lantern and by email to their staff address) of open activities due
  today or overdue: the activity's owner, or the patient's care team when it has none.

Every patient decision (sent, scheduled, withheld, staff asked to re-confirm) is kept as a
contact decision with its reason, audited, and listed on the patient's chart. A decision is
taken once per appointment or activity and taken again only after the patient's contact
preferences change. Preferences too old to trust become a care-plan activity for staff:
re-confirm them with the patient.

A queued reminder is decided again when the worker is about to send it
(``reminder_recheck``): with the preferences and the clinic's rules as they are then, on the
channel it was queued for, and only while the appointment or activity still needs it. The
text is rendered again (a new code word, new approved wording); a window that closed while it
waited moves it to the next one, or withholds it when that opens too late; anything else
that stops it is kept as the reason.
"""

from __future__ import annotations

import dataclasses
import datetime
import zoneinfo
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from lantern.accounts.models import Notification
from lantern.careplans import reminders
from lantern.careplans.models import OPEN_STATUSES, Activity, Appointment
from lantern.careplans.services import activity_add, careplan_for
from lantern.messaging import services as messaging
from lantern.messaging.delivery import book_run
from lantern.messaging.models import ContactDecision, OutboxMessage
from lantern.patients.models import ContactChannel, ContactPlan

if TYPE_CHECKING:
    from lantern.accounts.models import User
    from lantern.patients.models import Patient

APPOINTMENT_LEAD = datetime.timedelta(hours=48)
DUE_LEAD = datetime.timedelta(hours=24)
SWEEP_EVERY = datetime.timedelta(minutes=15)
RECONFIRM_REF = "contact-preferences:reconfirm"
RECONFIRM_CODE = "reconfirm-contact"


def preferences_of(
    patient: Patient,
) -> tuple[reminders.ContactPreferences, dict[str, ContactChannel]]:
    """The patient's contact plan and channels as the policy's plain values."""
    plan = ContactPlan.objects.filter(patient=patient).first()
    rows = {row.channel: row for row in ContactChannel.objects.filter(patient=patient)}
    channels = tuple(
        reminders.ChannelPreference(
            kind=row.channel,
            safety=row.safety,
            has_destination=bool(str(row.destination).strip()),
            windows=tuple(row.time_windows or ()),
            code_word=str(row.code_word),
            approved_wording=str(row.approved_wording),
            confirmed_on=row.confirmed_at,
        )
        for row in rows.values()
    )
    preferences = reminders.ContactPreferences(
        do_not_contact=bool(plan and plan.do_not_contact),
        confirmed_on=plan.confirmed_at if plan else None,
        channels=channels,
        language=patient.preferred_language,
    )
    return preferences, rows


def rules_for(patient: Patient) -> reminders.ClinicRules:
    """The strictest rules of the patient's clinics."""
    found = [messaging.reminder_rules_for(clinic) for clinic in patient.clinics.all()]
    if not found:
        return reminders.ClinicRules(reconfirm_days=settings.LANTERN_RECONFIRM_DAYS)
    return reminders.ClinicRules(
        reconfirm_days=min(rules.reconfirm_days for rules in found),
        require_code_word=any(rules.require_code_word for rules in found),
    )


def _changed_since(patient: Patient, moment: datetime.datetime) -> bool:
    return (
        ContactPlan.objects.filter(patient=patient, updated_at__gt=moment).exists()
        or ContactChannel.objects.filter(patient=patient, updated_at__gt=moment).exists()
    )


def _already_decided(patient: Patient, about: str) -> bool:
    last = ContactDecision.objects.filter(patient=patient, about=about).first()
    if last is None:
        return False
    return last.outcome == "send" or not _changed_since(patient, last.decided_at)


@transaction.atomic
def patient_reminder(
    *,
    patient: Patient,
    about: str,
    message: reminders.Message,
    now: datetime.datetime,
    owner: User | None = None,
) -> ContactDecision | None:
    """Decide, record and (when allowed) queue one reminder; ``None`` if already decided."""
    if _already_decided(patient, about):
        return None
    preferences, rows = preferences_of(patient)
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    decision = reminders.decide(preferences, message, rules=rules_for(patient), now=now, tz=zone)
    queued = None
    if decision.sends:
        row = rows[decision.channel]
        queued = messaging.message_enqueue(
            key=_outbox_key(patient, about, decision.channel),
            channel=decision.channel,
            audience="patient",
            recipient_ref=messaging.patient_channel_ref(row),
            body=decision.text,
            subject=reminders.subject(decision.language),
            patient=patient,
            not_before=decision.send_at,
        )
    elif decision.outcome == "staff_task":
        _reconfirm_task(patient, owner, now)
    return messaging.decision_record(
        patient=patient,
        about=about,
        kind=message.kind,
        outcome=decision.outcome,
        reason=decision.reason,
        channel=decision.channel,
        send_at=decision.send_at,
        message=queued,
    )


def _outbox_key(patient: Patient, about: str, channel: str) -> str:
    """One outbox message per decision to send: a reminder withheld when it was due to go out
    and decided again later (the preferences changed) is queued anew, not matched to the
    message that was withheld."""
    earlier = ContactDecision.objects.filter(
        patient=patient, about=about, outcome="send", channel=channel
    ).count()
    return f"{about}:{channel}" + (f":{earlier}" if earlier else "")


NO_LONGER_NEEDED = reminders.Decision("withhold", "no_longer_needed")
REMINDED = ("appointment:", "activity:")  # what a reminder's ``about`` starts with


def _reminded_of(about: str) -> tuple[reminders.Message, Activity] | None:
    """What the reminder ``about`` reminds of, if it still needs reminding."""
    kind, _sep, rest = about.partition(":")
    key, _sep, detail = rest.partition(":")
    if not key.isdigit():
        return None
    if kind == "appointment":
        booked = (
            Appointment.objects.filter(pk=key, activity__status__in=OPEN_STATUSES)
            .select_related("activity")
            .first()
        )
        if booked is None or f"{booked.starts_at:%Y%m%dT%H%M}" != detail:
            return None  # cancelled, done or moved: a moved one is decided anew for its time
        return reminders.Message("appointment", at=booked.starts_at), booked.activity
    if kind == "activity":
        task = Activity.objects.open().filter(pk=key).first()
        if task is None:
            return None
        return reminders.Message("follow-up", useful_until=task.latest), task
    return None


def reminder_recheck(message: OutboxMessage, now: datetime.datetime) -> reminders.Decision | None:
    """The reminder ``message`` carries, decided again as the worker is about to send it.

    None when the message is no reminder of this module's (the worker's own checks apply).
    Otherwise the decision on the message's channel with the preferences and rules as they
    are now: ``no_longer_needed`` once the appointment or activity is gone, done or moved;
    preferences gone stale also ask staff to re-confirm them, as the sweep would.
    """
    decided = ContactDecision.objects.filter(message=message).order_by("decided_at", "pk").first()
    patient = message.patient
    if decided is None or patient is None or not decided.about.startswith(REMINDED):
        return None
    reminded = _reminded_of(decided.about)
    if reminded is None:
        return NO_LONGER_NEEDED
    subject, activity = reminded
    preferences, _rows = preferences_of(patient)
    preferences = dataclasses.replace(
        preferences, channels=tuple(c for c in preferences.channels if c.kind == message.channel)
    )
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    decision = reminders.decide(preferences, subject, rules=rules_for(patient), now=now, tz=zone)
    if decision.outcome == "staff_task":
        with transaction.atomic():
            _reconfirm_task(patient, activity.owner, now)
    return decision


def _reconfirm_task(patient: Patient, owner: User | None, now: datetime.datetime) -> None:
    """One open care-plan activity asking staff to re-confirm the contact preferences."""
    plan = careplan_for(patient=patient)
    if plan.activities.filter(external_ref=RECONFIRM_REF, status__in=OPEN_STATUSES).exists():
        return
    activity = activity_add(
        plan=plan,
        actor=None,
        code=RECONFIRM_CODE,
        title=_("Re-confirm contact preferences with the patient"),
        due=now,
        owner=owner,
        rationale=_("A reminder was not sent: the contact preferences need re-confirming."),
        external_ref=RECONFIRM_REF,
    )
    staff_reminder(activity=activity, what="reconfirm")


def _staff_text(what: str) -> tuple[str, str]:
    subjects = {
        "due": _("Follow-up due today"),
        "overdue": _("Follow-up overdue"),
        "reconfirm": _("Contact preferences to re-confirm"),
    }
    bodies = {
        "due": _("A follow-up activity you look after is due today. Open Lantern to see it."),
        "overdue": _("A follow-up activity you look after is overdue. Open Lantern to see it."),
        "reconfirm": _(
            "A reminder to a patient was not sent because their contact preferences need "
            "re-confirming. Open Lantern to see it."
        ),
    }
    return subjects[what], bodies[what]


def _staff_for(activity: Activity) -> list[User]:
    owner = activity.owner
    if owner is not None and owner.cares_for_patients:
        return [owner]
    return [
        member.user
        for member in activity.plan.patient.care_team.select_related("user")
        if member.user.cares_for_patients
    ]


def staff_reminder(*, activity: Activity, what: str) -> int:
    """Remind the activity's owner (or care team) once: in Lantern, and by email.

    Neither names the patient: the notice links to the chart, where access is checked.
    """
    subject, body = _staff_text(what)
    link = reverse("patients:detail", args=[activity.plan.patient_id]) + f"#activity-{activity.pk}"
    reminded = 0
    for person in _staff_for(activity):
        key = f"staff:{what}:activity:{activity.pk}:user:{person.pk}"
        if Notification.objects.filter(recipient=person, link=link, subject=subject).exists():
            continue
        Notification.objects.create(recipient=person, subject=subject, body=body, link=link)
        if person.email:
            messaging.message_enqueue(
                key=key,
                channel="email",
                audience="staff",
                recipient_ref=messaging.staff_ref(person),
                body=body,
                subject=subject,
            )
        reminded += 1
    return reminded


def reminders_sweep(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Everything due for a reminder now (see the module docstring); counts by kind."""
    now = now or timezone.now()
    counts = {"appointment": 0, "follow-up": 0, "staff": 0}
    upcoming = Appointment.objects.filter(
        starts_at__gt=now,
        starts_at__lte=now + APPOINTMENT_LEAD,
        activity__status__in=OPEN_STATUSES,
    ).select_related("activity__plan__patient", "activity__owner")
    for appointment in upcoming:
        activity = appointment.activity
        decided = patient_reminder(
            patient=activity.plan.patient,
            about=f"appointment:{appointment.pk}:{appointment.starts_at:%Y%m%dT%H%M}",
            message=reminders.Message("appointment", at=appointment.starts_at),
            now=now,
            owner=activity.owner,
        )
        counts["appointment"] += decided is not None
    falling_due = (
        Activity.objects.open()
        .due_between(now, now + DUE_LEAD)
        .exclude(code=RECONFIRM_CODE)
        .exclude(offer=True)  # offered, not booked: the clinician raises it at a visit
        .exclude(appointments__starts_at__gt=now)
        .select_related("plan__patient", "owner")
    )
    for activity in falling_due:
        decided = patient_reminder(
            patient=activity.plan.patient,
            about=f"activity:{activity.pk}:due",
            message=reminders.Message("follow-up", useful_until=activity.latest),
            now=now,
            owner=activity.owner,
        )
        counts["follow-up"] += decided is not None
    counts["staff"] = _staff_sweep(now)
    return counts


def _staff_sweep(now: datetime.datetime) -> int:
    local = timezone.localtime(now)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + datetime.timedelta(days=1)
    open_ = Activity.objects.open().select_related("plan__patient", "owner")
    reminded = 0
    for activity in open_.due_between(start, end).exclude(code=RECONFIRM_CODE):
        with transaction.atomic():
            reminded += staff_reminder(activity=activity, what="due")
    for activity in open_.filter(due__lt=start):
        with transaction.atomic():
            reminded += staff_reminder(activity=activity, what="overdue")
    return reminded


@task()
def sweep_reminders() -> dict[str, int]:
    """Background task: one sweep, then book the next."""
    counts = reminders_sweep()
    book_run(sweep_reminders, timezone.now() + SWEEP_EVERY)
    return counts


def book_sweep() -> None:
    """Make sure a sweep is booked (the worker calls this when it starts)."""
    book_run(sweep_reminders, timezone.now())
