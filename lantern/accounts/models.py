"""Health systems, clinics, staff and the care teams that link staff to patients."""

from __future__ import annotations

import datetime
import secrets
from base64 import b32encode
from typing import ClassVar
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP

from lantern.crypto.fields import EncryptedTextField


class HealthSystem(models.Model):
    """An organisation that runs one or more clinics and shares one Lantern installation."""

    name = models.CharField(_("name"), max_length=200, unique=True)

    class Meta:
        verbose_name = _("health system")
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class Clinic(models.Model):
    """A hospital department or clinic where patients are seen."""

    health_system = models.ForeignKey(
        HealthSystem,
        on_delete=models.PROTECT,
        related_name="clinics",
        verbose_name=_("health system"),
    )
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("clinic")
        ordering = ("name",)
        constraints = (
            models.UniqueConstraint(fields=("health_system", "name"), name="clinic_unique_name"),
        )

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    """What a staff member does in Lantern; it decides what they may see."""

    CLINICIAN = "clinician", _("Clinician")
    ADVOCATE = "advocate", _("Advocate / social worker")
    COUNSELOR = "counselor", _("Counselor")
    PROGRAM_MANAGER = "program_manager", _("Program manager")
    PRIVACY_OFFICER = "privacy_officer", _("Privacy officer")
    ADMINISTRATOR = "administrator", _("Administrator")


# Roles that care for patients directly and so may join a patient's care team.
CARE_ROLES = frozenset({Role.CLINICIAN, Role.ADVOCATE, Role.COUNSELOR})


class ClinicianType(models.TextChoices):
    PHYSICIAN = "physician", _("Physician")
    NURSE = "nurse", _("Nurse")
    SANE = "sane", _("Sexual assault nurse examiner (SANE)")
    OTHER = "other", _("Other clinician")


def _new_stamp() -> str:
    return secrets.token_hex(16)


class StaffQuerySet(models.QuerySet["User"]):
    def care_staff(self) -> StaffQuerySet:
        """Active staff whose role lets them join a care team."""
        return self.filter(is_active=True, role__in=CARE_ROLES)


class StaffManager(UserManager["User"]):
    def get_queryset(self) -> StaffQuerySet:
        return StaffQuerySet(self.model, using=self._db)

    def care_staff(self) -> StaffQuerySet:
        return self.get_queryset().care_staff()


# django-otp's untyped base hides Authenticator from the type checker's reverse relations.
class User(AbstractUser):  # type: ignore[django-manager-missing]
    """A member of staff. Patients never hold accounts."""

    display_name = models.CharField(_("display name"), max_length=150)
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    clinician_type = models.CharField(
        _("clinician type"), max_length=16, choices=ClinicianType.choices, blank=True
    )
    health_system = models.ForeignKey(
        HealthSystem,
        on_delete=models.PROTECT,
        related_name="staff",
        null=True,
        blank=True,
        verbose_name=_("health system"),
    )
    clinics = models.ManyToManyField(
        Clinic, related_name="staff", blank=True, verbose_name=_("clinics")
    )
    # Part of every session's signature: changing it signs the account out everywhere.
    session_stamp = models.CharField(max_length=32, default=_new_stamp, editable=False)
    # Set when an administrator gave the password or reset the second factor: the person
    # chooses their own password before anything else opens, so nobody else knows it.
    must_change_password = models.BooleanField(default=False, editable=False)
    # A clinician who adapts and publishes follow-up protocols for their clinics.
    clinical_lead = models.BooleanField(
        _("clinical lead"),
        default=False,
        help_text=_("May adapt and publish follow-up protocols for their clinics."),
    )

    objects: ClassVar[StaffManager] = StaffManager()

    REQUIRED_FIELDS = ["display_name", "role"]

    class Meta:
        verbose_name = _("staff member")
        constraints = (
            models.CheckConstraint(
                condition=(models.Q(role="clinician") & ~models.Q(clinician_type=""))
                | (~models.Q(role="clinician") & models.Q(clinician_type="")),
                name="user_clinician_type_only_for_clinicians",
            ),
        )

    def __str__(self) -> str:
        return self.display_name or self.username

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        key_salt = "lantern.accounts.User.session_auth_hash"
        value = f"{self.password}:{self.session_stamp}"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()

    def sign_out_everywhere(self) -> None:
        """End every session of this account on its next request."""
        self.session_stamp = _new_stamp()
        self.save(update_fields=["session_stamp"])

    @property
    def cares_for_patients(self) -> bool:
        return self.is_active and self.role in CARE_ROLES

    @property
    def leads_protocols(self) -> bool:
        """May adapt and publish protocols: a clinician marked clinical lead, or an
        administrator."""
        if not self.is_active:
            return False
        return self.role == Role.ADMINISTRATOR or (
            self.role == Role.CLINICIAN and self.clinical_lead
        )


class CareTeamMember(models.Model):
    """A staff member on a patient's care team: the basis of who may open the record."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="care_team"
    )
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="care_team_roles")
    added_at = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("care team member")
        constraints = (
            models.UniqueConstraint(fields=("patient", "user"), name="care_team_member_once"),
        )

    def __str__(self) -> str:
        return f"{self.user} on care team"


def _chart_sections() -> list[tuple[str, object]]:
    from lantern.accounts.chart_access import Section

    return list(Section.choices)


class ChartGrant(models.Model):
    """A clinic opens one more part of the chart to one role (see ``chart_access``).

    Only advocates and counselors, and only examination findings, injuries, photographs and
    diagnosis codes, can be granted; the table holds everything else.
    """

    clinic = models.ForeignKey(
        Clinic, on_delete=models.CASCADE, related_name="chart_grants", verbose_name=_("clinic")
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    section = models.CharField(_("part of the chart"), max_length=32, choices=_chart_sections)
    granted_by = models.ForeignKey(
        "User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("chart grant")
        constraints = (
            models.UniqueConstraint(fields=("clinic", "role", "section"), name="chart_grant_once"),
        )

    def __str__(self) -> str:
        return f"{self.clinic}: {self.role} sees {self.section}"


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    JUSTIFIED = "justified", _("Justified")
    NOT_JUSTIFIED = "not_justified", _("Not justified")


class EmergencyAccessQuerySet(models.QuerySet["EmergencyAccess"]):
    def active(self, at: datetime.datetime | None = None) -> EmergencyAccessQuerySet:
        """Grants that still open their patient's record now."""
        return self.filter(
            patient__isnull=False, ended_at__isnull=True, expires_at__gt=at or timezone.now()
        )


class EmergencyAccess(models.Model):
    """ "Break the glass": time-limited access to a record outside one's care teams.

    A *search* (no patient) is created when a staff member states a reason and
    re-authenticates; it allows searching beyond their care teams for a short window and
    never changes. Each record they open gets its own grant (``patient`` set, ``search``
    pointing back) that expires a few hours later and is never extended. Every grant is
    reviewed by a privacy officer. The reason is sealed: it may describe the patient.
    """

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="emergency_accesses")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, null=True, related_name="emergency_accesses"
    )
    # The search request (patient empty) that led to opening this record.
    search = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="opened"
    )
    reason = EncryptedTextField(_("reason"), max_length=500)
    created_at = models.DateTimeField(default=timezone.now)
    opened_at = models.DateTimeField(null=True)
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True)
    review_status = models.CharField(
        max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    reviewed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, related_name="emergency_reviews"
    )
    reviewed_at = models.DateTimeField(null=True)
    review_note = EncryptedTextField(_("review note"), max_length=1000, blank=True)

    objects = EmergencyAccessQuerySet.as_manager()

    class Meta:
        verbose_name = _("emergency access")
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"emergency access {self.pk} by {self.user_id}"


class Notification(models.Model):
    """A message for a staff member inside Lantern (e.g. a break-the-glass alert).

    Notices never carry a patient's name; they link to where the reader may look.
    """

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    created_at = models.DateTimeField(default=timezone.now)
    subject = models.CharField(max_length=200)
    body = models.TextField(max_length=2000)
    link = models.CharField(max_length=200, blank=True)
    read_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return self.subject


def _new_totp_key() -> str:
    return secrets.token_hex(20)  # 160 bits, as RFC 4226 recommends


class Authenticator(TimestampMixin, ThrottlingMixin, Device):  # type: ignore[misc]
    """A staff member's authenticator app: time-based one-time codes (RFC 6238).

    It behaves like django-otp's TOTP device (same defaults, one step of drift either way,
    each code accepted once, growing waits after wrong codes), but the shared secret is
    sealed with the key ring like every other secret Lantern keeps, and rotates with it:
    a copy of the database alone cannot produce anyone's codes.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="authenticators")
    key = EncryptedTextField(default=_new_totp_key, editable=False)  # hex
    step = models.PositiveSmallIntegerField(default=30)
    t0 = models.BigIntegerField(default=0)
    digits = models.PositiveSmallIntegerField(choices=[(6, 6), (8, 8)], default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    # The time step of the last accepted code: a code is never accepted twice.
    last_t = models.BigIntegerField(default=-1)

    objects: ClassVar[models.Manager[Authenticator]]  # django-otp's DeviceManager

    class Meta:
        verbose_name = _("authenticator app")

    @property
    def bin_key(self) -> bytes:
        return bytes.fromhex(self.key)

    def clock(self) -> TOTP:
        return TOTP(self.bin_key, self.step, self.t0, self.digits, self.drift)

    def verify_token(self, token: object) -> bool:
        allowed, _data = self.verify_is_allowed()
        if not allowed:
            return False
        try:
            code = int(str(token))
        except ValueError:
            code = None
        clock = self.clock()
        if code is None or not clock.verify(code, self.tolerance, self.last_t + 1):
            self.throttle_increment(commit=True)
            return False
        self.last_t = clock.t()
        self.drift = clock.drift
        self.throttle_reset(commit=False)
        self.set_last_used_timestamp(commit=False)
        self.save()
        return True

    def get_throttle_factor(self) -> int:
        return int(getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1))

    @property
    def config_url(self) -> str:
        """The ``otpauth://`` address an authenticator app reads from the enrolment QR code."""
        issuer = str(settings.OTP_TOTP_ISSUER).replace(":", "")
        label = f"{issuer}:{self.user.get_username()}"
        params = urlencode(
            {
                "secret": b32encode(self.bin_key).decode("ascii"),
                "algorithm": "SHA1",
                "digits": self.digits,
                "period": self.step,
            }
        )
        return f"otpauth://totp/{quote(label)}?{params}&issuer={quote(issuer)}"


class RecoveryCodes(TimestampMixin, ThrottlingMixin, Device):  # type: ignore[misc]
    """A staff member's single-use recovery codes, for a lost phone.

    Like django-otp's static device (each code works once, growing waits after wrong
    codes), but each code is sealed with the key ring: a copy of the database alone holds
    no working second factor.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")

    objects: ClassVar[models.Manager[RecoveryCodes]]  # django-otp's DeviceManager

    class Meta:
        verbose_name = _("recovery codes")

    def verify_token(self, token: object) -> bool:
        allowed, _data = self.verify_is_allowed()
        if not allowed:
            return False
        typed = str(token)
        match = next(
            (code for code in self.codes.all() if constant_time_compare(code.code, typed)), None
        )
        if match is None:
            self.throttle_increment(commit=True)
            return False
        match.delete()
        self.throttle_reset(commit=False)
        self.set_last_used_timestamp(commit=False)
        self.save()
        return True

    def get_throttle_factor(self) -> int:
        return int(getattr(settings, "OTP_STATIC_THROTTLE_FACTOR", 1))


class RecoveryCode(models.Model):
    """One unused recovery code, sealed."""

    device = models.ForeignKey(RecoveryCodes, on_delete=models.CASCADE, related_name="codes")
    code = EncryptedTextField(max_length=16)

    def __str__(self) -> str:
        return f"recovery code {self.pk}"  # never the code itself
