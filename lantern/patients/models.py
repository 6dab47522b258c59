"""The patient registry: identity, demographics, identifiers and safe-contact preferences.

Every name, alias, identifier value and contact detail is an ``EncryptedTextField``; search
goes through ``PatientSearchToken`` rows holding keyed blind-index tokens.
"""

from __future__ import annotations

import datetime
import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lantern.accounts.models import CareTeamMember, EmergencyAccess
from lantern.crypto.fields import EncryptedTextField
from lantern.patients.age import ADULT_AGE, age_on
from lantern.patients.choices import (
    LANGUAGES,
    AliasKind,
    BirthDateKind,
    ContactChannelKind,
    GenderIdentity,
    IdentifierSystem,
    Safety,
    SexAtBirth,
)

if TYPE_CHECKING:
    from lantern.accounts.models import User


def _cared_for_by(user: User) -> models.Q:
    """On the patient's care team *and* working at one of the patient's clinics."""
    on_team = models.Exists(CareTeamMember.objects.filter(patient=models.OuterRef("pk"), user=user))
    at_clinic = models.Exists(
        Patient.clinics.through.objects.filter(
            patient=models.OuterRef("pk"), clinic__in=user.clinics.all()
        )
    )
    return models.Q(on_team) & models.Q(at_clinic)


class PatientQuerySet(models.QuerySet["Patient"]):
    def cared_for_by(self, user: User) -> PatientQuerySet:
        """Patients whose care ``user`` shares: the only ones they may change."""
        if not getattr(user, "cares_for_patients", False):
            return self.none()
        return self.filter(_cared_for_by(user))

    def opened_by(self, user: User) -> PatientQuerySet:
        """Every patient, each marked with what ``user`` may do with it, in the same query:
        ``cared_for`` (may read and change) and ``emergency_access`` (may read only).

        ``patient_for`` opens one patient this way: one statement answers both questions
        that ``visible_to`` and ``cared_for_by`` would ask one after the other.
        """
        if not getattr(user, "cares_for_patients", False):
            return self.none()
        emergency = models.Exists(
            EmergencyAccess.objects.active().filter(patient=models.OuterRef("pk"), user=user)
        )
        return self.annotate(
            cared_for=models.ExpressionWrapper(
                _cared_for_by(user), output_field=models.BooleanField()
            ),
            emergency_access=emergency,
        )

    def visible_to(self, user: User) -> PatientQuerySet:
        """Patients ``user`` may open now.

        Either they are on the patient's care team *and* work at one of the patient's
        clinics, or they hold an unexpired emergency ("break the glass") access to the
        record. Everything is checked on every request, so taking someone off a care team,
        out of a clinic, or deactivating the account removes access at once.
        """
        if not getattr(user, "cares_for_patients", False):
            return self.none()
        emergency = models.Exists(
            EmergencyAccess.objects.active().filter(patient=models.OuterRef("pk"), user=user)
        )
        return self.filter(_cared_for_by(user) | models.Q(emergency))

    def in_health_system_of(self, user: User) -> PatientQuerySet:
        """Patients at any clinic of ``user``'s health system: the reach of emergency access."""
        return self.filter(
            models.Exists(
                Patient.clinics.through.objects.filter(
                    patient=models.OuterRef("pk"), clinic__health_system=user.health_system_id
                )
            )
        )

    def in_clinics_of(self, user: User) -> PatientQuerySet:
        """Patients registered at any of ``user``'s clinics, visible or not."""
        return self.filter(
            models.Exists(
                Patient.clinics.through.objects.filter(
                    patient=models.OuterRef("pk"), clinic__in=user.clinics.all()
                )
            )
        )


class Patient(models.Model):
    """A person cared for by one or more clinics."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    preferred_name = EncryptedTextField(_("preferred name"), max_length=150)
    legal_name = EncryptedTextField(_("legal name"), max_length=150, blank=True)
    birth_date_kind = models.CharField(
        _("date of birth"), max_length=16, choices=BirthDateKind.choices
    )
    # Indexed: search by date of birth must not read the whole registry.
    birth_date = models.DateField(_("exact date of birth"), null=True, blank=True, db_index=True)
    estimated_age = models.PositiveSmallIntegerField(_("estimated age"), null=True, blank=True)
    estimated_on = models.DateField(_("age estimated on"), null=True, blank=True)
    sex_at_birth = models.CharField(
        _("sex assigned at birth"), max_length=16, choices=SexAtBirth.choices
    )
    gender_identity = models.CharField(
        _("gender identity"), max_length=32, choices=GenderIdentity.choices
    )
    # Sealed: a person's own words about their gender can out them.
    gender_identity_detail = EncryptedTextField(
        _("gender identity, in their words"), max_length=100, blank=True
    )
    pronouns = EncryptedTextField(_("pronouns"), max_length=40, blank=True)
    preferred_language = models.CharField(_("preferred language"), max_length=16, choices=LANGUAGES)
    interpreter_needed = models.BooleanField(_("needs an interpreter"), default=False)
    clinics = models.ManyToManyField(
        "accounts.Clinic", related_name="patients", verbose_name=_("clinics")
    )
    registered_at = models.DateTimeField(default=timezone.now, editable=False)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = PatientQuerySet.as_manager()

    class Meta:
        verbose_name = _("patient")
        constraints = (
            models.CheckConstraint(
                condition=(
                    models.Q(birth_date_kind="exact", birth_date__isnull=False)
                    & models.Q(estimated_age__isnull=True, estimated_on__isnull=True)
                )
                | (
                    models.Q(birth_date_kind="estimated", birth_date__isnull=True)
                    & models.Q(estimated_age__isnull=False, estimated_on__isnull=False)
                )
                | models.Q(
                    birth_date_kind="unknown",
                    birth_date__isnull=True,
                    estimated_age__isnull=True,
                    estimated_on__isnull=True,
                ),
                name="patient_birth_date_matches_kind",
            ),
        )

    def __str__(self) -> str:
        return str(self.preferred_name)

    def age(self, today: datetime.date | None = None) -> int | None:
        """Age in whole years, exact or estimated; ``None`` when unknown."""
        today = today or timezone.localdate()
        if self.birth_date is not None:
            return age_on(self.birth_date, today)
        if self.estimated_age is not None and self.estimated_on is not None:
            return self.estimated_age + age_on(self.estimated_on, today)
        return None

    def set_age(
        self,
        kind: str,
        birth_date: datetime.date | None,
        estimated_age: int | None,
        today: datetime.date,
    ) -> None:
        """Record what is known of the patient's age.

        An estimate is dated the day it is made, so the age grows with time. Re-saving the
        current estimate keeps its date; a different estimate starts again from today.
        """
        self.birth_date_kind = kind
        self.birth_date = birth_date if kind == BirthDateKind.EXACT else None
        if kind != BirthDateKind.ESTIMATED:
            self.estimated_age = self.estimated_on = None
        elif self.estimated_on is None or self.age(today) != estimated_age:
            self.estimated_age, self.estimated_on = estimated_age, today

    def is_cared_for_by(self, user: User) -> bool:
        """``user`` is on this patient's care team at one of the patient's clinics (emergency
        access alone does not count: it lets someone read, never change)."""
        return Patient.objects.cared_for_by(user).filter(pk=self.pk).exists()

    def is_minor(self, today: datetime.date | None = None) -> bool | None:
        """True under 18, False from 18, ``None`` when age is unknown (ask, don't assume)."""
        age = self.age(today)
        return None if age is None else age < ADULT_AGE

    @property
    def age_is_estimated(self) -> bool:
        return self.birth_date_kind == BirthDateKind.ESTIMATED


class PatientAlias(models.Model):
    """Another name the patient is known by: street name, former name, name on a document."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="aliases")
    name = EncryptedTextField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=16, choices=AliasKind.choices)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("alias")
        verbose_name_plural = _("aliases")
        ordering = ("added_at", "id")

    def __str__(self) -> str:
        return str(self.name)


class ExternalIdentifier(models.Model):
    """A number another system knows the patient by (an EHR MRN), unique per clinic."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="identifiers")
    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    system = models.CharField(_("kind"), max_length=16, choices=IdentifierSystem.choices)
    value = EncryptedTextField(_("number"), max_length=64)
    # Keyed token of the normalised value: enforces uniqueness and finds the patient by it.
    value_index = models.BigIntegerField(db_index=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("external identifier")
        constraints = (
            models.UniqueConstraint(
                fields=("clinic", "system", "value_index"), name="identifier_unique_per_clinic"
            ),
        )

    def __str__(self) -> str:
        return f"{self.get_system_display()} {self.value}"


class PatientSearchToken(models.Model):
    """One keyed token of one word of one of a patient's names. Rebuilt on every change."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="search_tokens")
    token = models.BigIntegerField()

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=("token", "patient"), name="search_token_once"),
        )

    def __str__(self) -> str:
        return f"search token of {self.patient_id}"


class ContactPlan(models.Model):
    """How, and whether, the clinic may reach the patient outside a visit."""

    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="contact_plan")
    do_not_contact = models.BooleanField(
        _("do not contact"),
        default=False,
        help_text=_("When on, no one from the clinic contacts this patient by any channel."),
    )
    notes = EncryptedTextField(_("notes for staff"), max_length=1000, blank=True)
    confirmed_at = models.DateField(_("last confirmed with the patient"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("contact plan")

    def __str__(self) -> str:
        return f"contact plan of {self.patient_id}"


class ContactChannel(models.Model):
    """One way of reaching the patient and the conditions under which it is safe."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="contact_channels")
    channel = models.CharField(_("channel"), max_length=8, choices=ContactChannelKind.choices)
    safety = models.CharField(
        _("is it safe?"), max_length=8, choices=Safety.choices, default=Safety.UNKNOWN
    )
    destination = EncryptedTextField(_("number or address"), max_length=300, blank=True)
    # [{"days": [0..6], "start": "HH:MM", "end": "HH:MM"}], Monday = 0, clinic local time.
    time_windows = models.JSONField(_("safe times"), default=list, blank=True)
    voicemail_allowed = models.BooleanField(_("voicemail or message may be left"), default=False)
    code_word = EncryptedTextField(_("code word"), max_length=100, blank=True)
    approved_wording = EncryptedTextField(_("approved wording"), max_length=500, blank=True)
    confirmed_at = models.DateField(_("confirmed with the patient on"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("contact channel")
        ordering = ("channel",)
        constraints = (
            models.UniqueConstraint(fields=("patient", "channel"), name="contact_channel_once"),
        )

    def __str__(self) -> str:
        return self.get_channel_display()
