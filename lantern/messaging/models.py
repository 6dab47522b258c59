"""The outbox of messages Lantern sends, and every decision about contacting a patient.

Terms:

* **outbox message**: one message to one recipient by one channel, written in the same
  transaction as whatever caused it and sent later by the task worker. Its **idempotency
  key** names what it is about ("appointment:<id>:24h"): queueing the same key again
  returns the first message, and the worker never sends a message twice on purpose.
  The recipient is a *reference* (a patient's contact channel, a staff account), resolved
  and checked again when the message is sent; the text is sealed with the key ring.
* **contact decision**: what Lantern decided about reminding a patient (send, withhold,
  ask staff to re-confirm preferences) and why, kept for staff to see on the patient's
  chart. Its reason is a code, never the text or the destination.
"""

from __future__ import annotations

import datetime
import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lantern.crypto.fields import EncryptedTextField

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message")


class State(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", pgettext_lazy("message", "Sent")
    FAILED = "failed", _("Failed")
    WITHHELD = "withheld", _("Withheld")


class Audience(models.TextChoices):
    PATIENT = "patient", _("Patient")
    STAFF = "staff", _("Staff")


class OutboxQuerySet(models.QuerySet["OutboxMessage"]):
    def due(self, now: datetime.datetime) -> OutboxQuerySet:
        """Messages a worker may take now: queued and due, or claimed by a worker whose
        claim ran out (it died or hung mid-send)."""
        return self.filter(
            models.Q(state=State.QUEUED, not_before__lte=now)
            | models.Q(state=State.SENDING, claimed_until__lte=now)
        )

    def pending(self) -> OutboxQuerySet:
        return self.filter(state__in=(State.QUEUED, State.SENDING))


class OutboxMessage(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    idempotency_key = models.CharField(max_length=200, unique=True)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    audience = models.CharField(max_length=8, choices=Audience.choices)
    # "contact-channel:<id>" for a patient, "user:<id>" for staff: resolved when sending.
    recipient_ref = models.CharField(max_length=80)
    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outbox_messages",
    )
    subject = EncryptedTextField(blank=True)
    body = EncryptedTextField()
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    not_before = models.DateTimeField(default=timezone.now)
    # Set while a worker holds the message; a claim that runs out is taken over.
    claimed_until = models.DateTimeField(null=True, blank=True)
    claim = models.UUIDField(null=True, blank=True)
    # Error class and code only (e.g. "SMTPRecipientsRefused 550"): never text or addresses.
    last_error = models.CharField(max_length=200, blank=True)
    provider_id = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = OutboxQuerySet.as_manager()

    class Meta:
        ordering = ("not_before", "created_at")
        indexes = (models.Index(fields=("state", "not_before"), name="outbox_due"),)

    def __str__(self) -> str:
        return f"{self.channel} message {self.pk} ({self.state})"


class Outcome(models.TextChoices):
    SEND = "send", _("Sent or scheduled")
    WITHHOLD = "withhold", _("Not sent")
    STAFF_TASK = "staff_task", _("Staff asked to re-confirm preferences")


REASON_LABELS: dict[str, StrOrPromise] = {
    "sent_now": _("Sent at once: a safe channel inside its time window."),
    "deferred_to_window": _("Scheduled for the next safe time window."),
    "do_not_contact": _("The patient asked not to be contacted."),
    "preferences_unconfirmed": _("Contact preferences were never confirmed with the patient."),
    "preferences_stale": _(
        "Contact preferences are older than the clinic's re-confirmation period."
    ),
    "no_safe_channel": _("No channel that can carry this message is marked safe."),
    "no_destination": _("The safe channel has no number or address."),
    "channel_stale": _("The safe channel was confirmed too long ago."),
    "code_word_missing": _("The clinic requires a code word and none is set."),
    "wording_not_neutral": _("The approved wording could reveal the kind of care."),
    "window_after_event": _("The next safe time window opens too late."),
    "no_longer_needed": _("The appointment or activity no longer needs a reminder."),
    "changed_before_sending": _(
        "Checked again when it was due to go out, and not sent: the preferences, the "
        "clinic's rules or the time had changed."
    ),
}


class ContactDecision(models.Model):
    """One decision about contacting a patient, and why; shown to staff, never sent."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="contact_decisions"
    )
    decided_at = models.DateTimeField(default=timezone.now)
    # What the reminder was about: "appointment:<id>", "activity:<id>", "patient:<id>".
    about = models.CharField(max_length=80)
    kind = models.CharField(max_length=16)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    reason = models.CharField(max_length=32)
    channel = models.CharField(max_length=8, blank=True)
    send_at = models.DateTimeField(null=True, blank=True)
    message = models.ForeignKey(
        OutboxMessage, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ("-decided_at", "-id")

    def __str__(self) -> str:
        return f"{self.outcome} ({self.reason})"

    @property
    def reason_label(self) -> str:
        return str(REASON_LABELS.get(self.reason, self.reason))

    @property
    def delivery_note(self) -> str:
        """Why the message was not sent, in words when the reason is a decision's reason
        (a message withheld as it was about to go out), else the error code."""
        message = self.message
        if message is None or not message.last_error or message.state == "sent":
            return ""
        return str(REASON_LABELS.get(message.last_error, message.last_error))


class ReminderRules(models.Model):
    """A clinic's reminder rules; clinics without a row use the defaults."""

    clinic = models.OneToOneField(
        "accounts.Clinic", on_delete=models.CASCADE, related_name="reminder_rules"
    )
    reconfirm_days = models.PositiveSmallIntegerField(
        _("re-confirm contact preferences after (days)"), default=90
    )
    require_code_word = models.BooleanField(_("require a code word"), default=False)

    def __str__(self) -> str:
        return f"reminder rules of clinic {self.clinic_id}"
