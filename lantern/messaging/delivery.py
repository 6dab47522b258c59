"""The task worker's side of the outbox: claim, check, send, record; retry with backoff.

A worker claims one due message at a time in its own short transaction (``SELECT ... FOR
UPDATE SKIP LOCKED`` where the database has it; SQLite's write lock serialises claims
anyway), marking it *sending* with a claim that runs out after the lease. It sends outside
any transaction, then records the result only if the claim is still its own. A worker
killed mid-send leaves the message *sending*; once the lease has run out the next worker
takes it over, so nothing queued is lost. A message recorded sent is never taken again.

The one moment no outbox can close is between a server accepting a message and the worker
recording it: a worker killed exactly then sends that message again after the lease, with
the same ``Message-ID`` for email so the receiving side can recognise the repeat.

Before sending to a patient the worker checks the preferences again (they may have changed
since the message was queued): do not contact, the channel still safe, a destination. A
reminder is then decided again in full (``lantern.careplans.reminding.reminder_recheck``):
the clinic's rules, confirmations, code word, wording and the time window as they are now,
and whether the appointment or activity still needs it. Its text is rendered again; outside
the window it waits for the next one, unless that opens only after the reminder stops being
useful, and then it is withheld with that reason. Any other message waits for the channel's
next window.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import uuid
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone
from django_tasks import default_task_backend, task
from django_tasks.base import Task

from lantern.audit.models import Action, Category
from lantern.audit.services import audit_record
from lantern.messaging.channels import DeliveryError, PermanentFailure
from lantern.messaging.channels.email import send_email
from lantern.messaging.channels.sms import sms_backend
from lantern.messaging.models import Audience, Channel, OutboxMessage, State
from lantern.patients.contact_windows import next_open

logger = logging.getLogger(__name__)
BATCH = 200


@dataclass(frozen=True)
class Refusal(Exception):
    """The recipient may not (or no longer) be sent this message."""

    reason: str


@dataclass(frozen=True)
class NotYet(Exception):
    """The recipient's time window is closed: try again at ``at``."""

    at: datetime.datetime


def lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.LANTERN_MESSAGING_LEASE_SECONDS)


def backoff(attempts: int) -> datetime.timedelta:
    """60 s, 2 min, 4 min ... after the first, second, third failed attempt."""
    return datetime.timedelta(
        seconds=settings.LANTERN_MESSAGING_RETRY_SECONDS * 2 ** (attempts - 1)
    )


def claim_next(now: datetime.datetime) -> tuple[OutboxMessage, uuid.UUID] | None:
    """Take the next due message for this worker, or ``None`` when nothing is due."""
    with transaction.atomic():
        due = OutboxMessage.objects.due(now).order_by("not_before", "created_at")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        message = due.first()
        if message is None:
            return None
        token = uuid.uuid4()
        message.state, message.claim = State.SENDING, token
        message.claimed_until = now + lease()
        message.attempts += 1
        message.save(update_fields=("state", "claim", "claimed_until", "attempts"))
    return message, token


def _finish(message: OutboxMessage, token: uuid.UUID, **changes: Any) -> bool:
    """Record the outcome if this worker still holds the claim."""
    changes.setdefault("claim", None)
    changes.setdefault("claimed_until", None)
    return bool(
        OutboxMessage.objects.filter(pk=message.pk, state=State.SENDING, claim=token).update(
            **changes
        )
    )


def deliver_due(*, limit: int = BATCH) -> dict[str, int]:
    """Send what is due, up to ``limit`` messages; counts by resulting state."""
    counts: dict[str, int] = {}
    for _ in range(limit):
        claimed = claim_next(timezone.now())
        if claimed is None:
            break
        state = deliver_claimed(*claimed)
        counts[state] = counts.get(state, 0) + 1
    return counts


def deliver_claimed(message: OutboxMessage, token: uuid.UUID) -> str:
    now = timezone.now()
    try:
        destination = resolve(message, now)
        provider_id = send(message, destination)
    except NotYet as wait:
        _finish(
            message, token, state=State.QUEUED, not_before=wait.at, attempts=message.attempts - 1
        )
        return State.QUEUED
    except Refusal as refusal:
        if _finish(message, token, state=State.WITHHELD, last_error=refusal.reason):
            _record_withheld(message, refusal.reason)
        return State.WITHHELD
    except DeliveryError as error:
        return _failed(message, token, error, now)
    if _finish(
        message,
        token,
        state=State.SENT,
        sent_at=timezone.now(),
        provider_id=provider_id[:80],
        last_error="",
        body=message.body,  # as sent: a reminder's text is rendered again before sending
        subject=message.subject,
    ):
        _audit(message, "sent")
    return State.SENT


def _failed(
    message: OutboxMessage, token: uuid.UUID, error: DeliveryError, now: datetime.datetime
) -> str:
    detail = str(error)[:200]
    final = isinstance(error, PermanentFailure) or (
        message.attempts >= settings.LANTERN_MESSAGING_MAX_ATTEMPTS
    )
    if final:
        if _finish(message, token, state=State.FAILED, last_error=detail):
            _audit(message, f"failed {detail}")
        return State.FAILED
    _finish(
        message,
        token,
        state=State.QUEUED,
        not_before=now + backoff(message.attempts),
        last_error=detail,
    )
    return State.QUEUED


def resolve(message: OutboxMessage, now: datetime.datetime) -> str:
    """The destination, checked against the recipient's preferences as they are now."""
    kind, _, ident = message.recipient_ref.partition(":")
    if message.audience == Audience.STAFF and kind == "user":
        return _staff_address(ident)
    if message.audience == Audience.PATIENT and kind == "contact-channel":
        return _patient_destination(message, ident, now)
    raise Refusal("unknown_recipient")


def _staff_address(ident: str) -> str:
    from lantern.accounts.models import User

    user = User.objects.filter(pk=ident, is_active=True).first()
    if user is None or not user.email:
        raise Refusal("no_destination")
    return user.email


def _patient_destination(message: OutboxMessage, ident: str, now: datetime.datetime) -> str:
    from lantern.patients.models import ContactChannel, ContactPlan

    channel = ContactChannel.objects.filter(pk=ident).first()
    if channel is None or channel.patient_id != message.patient_id:
        raise Refusal("no_safe_channel")
    plan = ContactPlan.objects.filter(patient_id=channel.patient_id).first()
    if plan is None or plan.do_not_contact:
        raise Refusal("do_not_contact")
    if channel.safety != "safe" or channel.channel != message.channel:
        raise Refusal("no_safe_channel")
    if not channel.destination.strip():
        raise Refusal("no_destination")
    if not _decided_again(message, now):
        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        opens = next_open(channel.time_windows, now, zone)
        if opens is None:
            raise Refusal("window_after_event")
        if opens > now:
            raise NotYet(opens)
    return str(channel.destination).strip()


def _decided_again(message: OutboxMessage, now: datetime.datetime) -> bool:
    """Apply a reminder's decision taken again now; False for a message that is no reminder.

    Sends only as decided now: refused with the reason, moved to the window it opens in, or
    sent with the text rendered now (``message`` carries it to ``send`` and the record).
    """
    from lantern.careplans.reminders import subject
    from lantern.careplans.reminding import reminder_recheck

    decision = reminder_recheck(message, now)
    if decision is None:
        return False
    if not decision.sends or decision.channel != message.channel:
        raise Refusal(decision.reason)
    if decision.send_at is not None and decision.send_at > now:
        raise NotYet(decision.send_at)
    message.body = decision.text
    message.subject = subject(decision.language)
    return True


def send(message: OutboxMessage, destination: str) -> str:
    if message.channel == Channel.EMAIL:
        sender = (
            settings.LANTERN_PATIENT_MAIL_FROM
            if message.audience == Audience.PATIENT
            else settings.DEFAULT_FROM_EMAIL
        )
        return send_email(
            to=destination,
            subject=message.subject,
            body=message.body,
            message_id=message_id(message),
            sender=sender,
        )
    return sms_backend().send(to=destination, body=message.body, key=message.idempotency_key)


def message_id(message: OutboxMessage) -> str:
    """Stable for the message, and reveals nothing (not the key, not the clinic)."""
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{message.pk}".encode()).hexdigest()[:32]
    domain = settings.LANTERN_PATIENT_MAIL_FROM.rpartition("@")[2] or "localhost"
    return f"<{digest}@{domain}>"


def _audit(message: OutboxMessage, what: str) -> None:
    audit_record(
        action=Action.UPDATE,
        patient_id=message.patient_id,
        obj=message,
        category=Category.CONTACT if message.patient_id else Category.NONE,
        detail=f"{message.channel} message {what}",
    )


def _record_withheld(message: OutboxMessage, reason: str) -> None:
    _audit(message, f"withheld {reason}")
    if message.patient is None:
        return
    from lantern.messaging.models import ContactDecision, Outcome
    from lantern.messaging.services import decision_record

    earlier = ContactDecision.objects.filter(message=message).first()
    decision_record(
        patient=message.patient,
        about=earlier.about if earlier else f"message:{message.pk}",
        kind=earlier.kind if earlier else "",
        outcome=Outcome.WITHHOLD,
        reason="changed_before_sending",
        channel=message.channel,
        message=message,
    )


@task()
def deliver_outbox() -> dict[str, int]:
    """Background task: send what is due, then make sure a later run is booked for what
    waits (a time window, a retry, a claim left by a worker that died)."""
    counts = deliver_due()
    if OutboxMessage.objects.due(timezone.now()).exists():
        wake_worker()
    else:
        book_next_run()
    return counts


def wake_worker() -> None:
    """Once the current transaction commits, have the worker deliver what is due."""
    transaction.on_commit(deliver_outbox.enqueue)


def book_next_run() -> None:
    """Book one run for when the next waiting message becomes due (backends that can)."""
    pending = OutboxMessage.objects.pending()
    waits = [
        moment
        for moment in (
            pending.filter(state=State.QUEUED).aggregate(at=models.Min("not_before"))["at"],
            pending.filter(state=State.SENDING).aggregate(at=models.Min("claimed_until"))["at"],
        )
        if moment is not None
    ]
    if waits:
        book_run(deliver_outbox, min(waits))


def book_run(job: Task[[], Any], at: datetime.datetime) -> None:
    """Enqueue ``job`` to start at ``at``, unless a run of it already waits to start by then.

    Only backends that can defer (the database backend) keep such bookings; the immediate
    backend of the test suite runs work as it is queued instead.
    """
    if not default_task_backend.supports_defer:
        return
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult, get_date_max

    waiting = DBTaskResult.objects.filter(status=TaskResultStatus.READY, task_path=job.module_path)
    if not waiting.filter(
        models.Q(run_after__lte=at) | models.Q(run_after=get_date_max())
    ).exists():
        job.using(run_after=at).enqueue()
