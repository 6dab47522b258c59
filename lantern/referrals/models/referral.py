"""Referrals: a patient sent to a directory service, with what was shared and how it went.

A referral starts as a draft on the patient's chart, a screening result, a visit or a care
plan activity. It is sent only with the patient's consent to share the chosen items with the
service's organisation, and every send is a disclosure in the patient's accounting. The
partner organisation answers through a link of its own (``PartnerLink``): one link per
status change, stored only as a hash, with a code read to the partner by phone.
"""

from __future__ import annotations

import datetime
import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lantern.crypto.fields import EncryptedJSONField, EncryptedTextField

DEFAULT_LINK_DAYS = 14
DEFAULT_ANSWER_DAYS = 7


class ReferralSettings(models.Model):
    """A clinic's referral settings; a clinic without a row uses the defaults."""

    clinic = models.OneToOneField(
        "accounts.Clinic", on_delete=models.CASCADE, related_name="referral_settings"
    )
    link_days = models.PositiveSmallIntegerField(
        _("days a partner's link stays valid"), default=DEFAULT_LINK_DAYS
    )
    answer_days = models.PositiveSmallIntegerField(
        _("days to wait for the partner's answer before following up"),
        default=DEFAULT_ANSWER_DAYS,
    )

    class Meta:
        verbose_name = _("referral settings")

    def __str__(self) -> str:
        return f"referral settings of {self.clinic_id}"

    @classmethod
    def for_clinic(cls, clinic_id: int) -> ReferralSettings:
        found = cls.objects.filter(clinic_id=clinic_id).first()
        return found or cls(clinic_id=clinic_id)


class ReferralStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


# Where each status may go next. The partner answers sent and accepted referrals.
NEXT_STATUSES: dict[str, tuple[str, ...]] = {
    ReferralStatus.DRAFT: (ReferralStatus.SENT, ReferralStatus.CANCELLED),
    ReferralStatus.SENT: (
        ReferralStatus.ACCEPTED,
        ReferralStatus.DECLINED,
        ReferralStatus.COMPLETED,
        ReferralStatus.CANCELLED,
    ),
    ReferralStatus.ACCEPTED: (
        ReferralStatus.COMPLETED,
        ReferralStatus.DECLINED,
        ReferralStatus.CANCELLED,
    ),
    ReferralStatus.DECLINED: (),
    ReferralStatus.COMPLETED: (),
    ReferralStatus.CANCELLED: (),
}
PARTNER_ANSWERS = (ReferralStatus.ACCEPTED, ReferralStatus.DECLINED, ReferralStatus.COMPLETED)
AWAITING_ANSWER = (ReferralStatus.SENT, ReferralStatus.ACCEPTED)


class ReferralOrigin(models.TextChoices):
    CHART = "chart", _("Patient chart")
    SCREENING = "screening", _("Screening result")
    VISIT = "visit", _("Visit")
    CARE_PLAN = "care_plan", _("Care plan")


class ReferralQuerySet(models.QuerySet["Referral"]):
    def open(self) -> ReferralQuerySet:
        """Referrals still waiting for the partner's last word."""
        return self.filter(status__in=AWAITING_ANSWER)

    def unanswered_since(self, moment: datetime.datetime) -> ReferralQuerySet:
        """Open referrals whose last status change is older than ``moment``."""
        return self.open().filter(status_at__lt=moment)


class Referral(models.Model):
    """One referral of one patient to one directory service."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="referrals"
    )
    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    service = models.ForeignKey(
        "referrals.Service", on_delete=models.PROTECT, related_name="referrals"
    )
    origin = models.CharField(_("started from"), max_length=16, choices=ReferralOrigin.choices)
    encounter = models.ForeignKey(
        "encounters.Encounter", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    screening_result = models.ForeignKey(
        "screening.ScreeningResult",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The care-plan activity it was started from, by id: careplans never depends on referrals.
    activity_id = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ReferralStatus.choices, default=ReferralStatus.DRAFT
    )
    status_at = models.DateTimeField(default=timezone.now)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    shared_items = models.JSONField(_("what is shared"), default=list)
    message = EncryptedTextField(_("message for the organisation"), max_length=1000, blank=True)
    # The organisation's name as it was sent to, for the accounting of disclosures.
    recipient = EncryptedTextField(_("recipient"), max_length=300, blank=True)
    # What the partner sees, as it was when sent: later changes to the record never reach
    # the partner. [[item code, value], ...], sealed.
    sent_content = EncryptedJSONField(default=list, blank=True)
    disclosure = models.ForeignKey(
        "encounters.Disclosure", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    followed_up_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects: ClassVar[ReferralQuerySet] = ReferralQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("referral")
        ordering = ("-created_at",)
        indexes = (models.Index(fields=("status", "status_at"), name="referral_awaiting"),)

    def __str__(self) -> str:
        return f"referral {self.pk}"

    @property
    def is_draft(self) -> bool:
        return self.status == ReferralStatus.DRAFT

    @property
    def is_closed(self) -> bool:
        return not NEXT_STATUSES[self.status]

    @property
    def external_ref(self) -> str:
        """How a care-plan activity names this referral."""
        return f"referral:{self.pk}"


class ReferralStatusChange(models.Model):
    """One step of a referral: from, to, when, and who (staff, or the partner's link)."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="changes")
    from_status = models.CharField(max_length=16, choices=ReferralStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=ReferralStatus.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    by_partner = models.BooleanField(default=False)
    note = EncryptedTextField(_("note"), max_length=1000, blank=True)

    class Meta:
        ordering = ("at", "pk")

    def __str__(self) -> str:
        return f"{self.from_status or '-'} -> {self.to_status}"


class HandoffNote(models.Model):
    """A warm hand-off note: who was called, what was agreed. Sealed; never shared."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="handoff_notes")
    text = EncryptedTextField(_("hand-off note"), max_length=2000)
    written_at = models.DateTimeField(default=timezone.now)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ("written_at", "pk")

    def __str__(self) -> str:
        return f"hand-off note {self.pk}"


class ConsentItems(models.Model):
    """The items a consent to share with a referral organisation names, item by item."""

    consent = models.OneToOneField(
        "encounters.ConsentRecord", on_delete=models.CASCADE, related_name="referral_items"
    )
    items = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"items of consent {self.consent_id}"


class PartnerLink(models.Model):
    """One status change the partner may make: a token and a phone code, kept as hashes."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="partner_links")
    token_hash = models.CharField(max_length=64, unique=True)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    wrong_codes = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"partner link {self.pk}"

    def usable(self, now: datetime.datetime) -> bool:
        return self.used_at is None and self.revoked_at is None and now < self.expires_at
