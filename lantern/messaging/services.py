"""Queue messages and record contact decisions: the public face of ``lantern.messaging``.

``message_enqueue(*, key, channel, audience, recipient_ref, body, subject="", patient=None,
not_before=None)`` writes one outbox message in the caller's transaction and, once that
commits, wakes the task worker. The same ``key`` twice returns the first message unchanged:
callers can queue from anything that may run more than once (a daily sweep, a retried
task) without sending twice. ``recipient_ref`` is ``patient_channel_ref(channel)`` or
``staff_ref(user)``; the destination is looked up, and the patient's preferences checked
again, only when the message goes out.

``decision_record(*, patient, about, kind, decision...)`` keeps one contact decision (sent,
scheduled, withheld, staff asked to re-confirm) with its reason and audits it.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from lantern.audit.models import Action, Category
from lantern.audit.services import audit_record
from lantern.messaging.models import (
    Audience,
    Channel,
    ContactDecision,
    OutboxMessage,
    ReminderRules,
)

if TYPE_CHECKING:
    from lantern.accounts.models import Clinic, User
    from lantern.patients.models import ContactChannel, Patient

PATIENT_CHANNEL = "contact-channel"
STAFF_USER = "user"


def patient_channel_ref(channel: ContactChannel) -> str:
    return f"{PATIENT_CHANNEL}:{channel.pk}"


def staff_ref(user: User) -> str:
    return f"{STAFF_USER}:{user.pk}"


def message_enqueue(
    *,
    key: str,
    channel: Channel | str,
    audience: Audience | str,
    recipient_ref: str,
    body: str,
    subject: str = "",
    patient: Patient | None = None,
    not_before: datetime.datetime | None = None,
) -> OutboxMessage:
    """Queue one message (idempotent by ``key``); the worker sends it from ``not_before``."""
    existing = OutboxMessage.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    message = OutboxMessage(
        idempotency_key=key,
        channel=channel,
        audience=audience,
        recipient_ref=recipient_ref,
        body=body,
        subject=subject,
        patient=patient,
        not_before=not_before or timezone.now(),
    )
    try:
        with transaction.atomic():
            message.save(force_insert=True)
    except IntegrityError:  # queued at the same moment by someone else: theirs stands
        return OutboxMessage.objects.get(idempotency_key=key)
    from lantern.messaging.delivery import wake_worker

    wake_worker()
    return message


@transaction.atomic
def decision_record(
    *,
    patient: Patient,
    about: str,
    kind: str,
    outcome: str,
    reason: str,
    channel: str = "",
    send_at: datetime.datetime | None = None,
    message: OutboxMessage | None = None,
    actor: User | None = None,
) -> ContactDecision:
    """Keep one contact decision for staff to see, and audit it (reason code only)."""
    decision = ContactDecision.objects.create(
        patient=patient,
        about=about,
        kind=kind,
        outcome=outcome,
        reason=reason,
        channel=channel,
        send_at=send_at,
        message=message,
        decided_by=actor,
    )
    audit_record(
        action=Action.CREATE,
        actor=actor,
        patient_id=patient.pk,
        obj=decision,
        category=Category.CONTACT,
        detail=f"contact decision {outcome} {reason} {channel}".strip(),
    )
    return decision


def reminder_rules_for(clinic: Clinic) -> ReminderRules:
    """The clinic's reminder rules; the installation's defaults when it has set none."""
    rules = ReminderRules.objects.filter(clinic=clinic).first()
    return rules or ReminderRules(clinic=clinic, reconfirm_days=settings.LANTERN_RECONFIRM_DAYS)


@transaction.atomic
def reminder_rules_set(
    *, actor: User, clinic: Clinic, reconfirm_days: int, require_code_word: bool
) -> ReminderRules:
    """Set a clinic's reminder rules (its first change makes its row), audited."""
    rules, _created = ReminderRules.objects.select_for_update().get_or_create(
        clinic=clinic, defaults={"reconfirm_days": reconfirm_days}
    )
    rules.reconfirm_days = reconfirm_days
    rules.require_code_word = require_code_word
    rules.save()
    audit_record(
        action=Action.UPDATE,
        actor=actor,
        obj=rules,
        detail=(
            f"reminder rules of clinic {clinic.pk}: re-confirm after {reconfirm_days} days, "
            + ("code word required" if require_code_word else "code word not required")
        ),
    )
    return rules
