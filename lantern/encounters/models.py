"""Visits and everything recorded in them.

Consent records are append-only: a change of mind is a new record (withdrawn, declined...)
and the history stays. Narratives, names of people and photographs are sealed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lantern.crypto.fields import EncryptedBinaryField, EncryptedTextField
from lantern.encounters import consent_rules
from lantern.encounters.choices import (
    RECORDED_STATUSES,
    BodyRegion,
    BodySide,
    ClinicianGender,
    CompanionStatus,
    ConsentGiver,
    ConsentMethod,
    DisclosureBasis,
    DisclosureKind,
    EncounterKind,
    ExamStepKind,
    ExamStepStatus,
    ExposureTime,
    HbvImmunity,
    HealingStage,
    HivStatus,
    HivTestGeneration,
    InjuryKind,
    Interpreter,
    NpepStart,
    Pregnancy,
    Scope,
)


class Encounter(models.Model):
    """One visit of one patient."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="encounters"
    )
    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind of visit"), max_length=16, choices=EncounterKind.choices)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    staff_present = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", blank=True, verbose_name=_("staff present")
    )
    # Who is in the room has no default: staff record what they saw, every time.
    companion = models.CharField(_("companion"), max_length=16, choices=CompanionStatus.choices)
    companion_relationship = EncryptedTextField(
        _("who accompanied the patient, as they described themselves"), max_length=200, blank=True
    )
    interpreter = models.CharField(_("interpreter"), max_length=16, choices=Interpreter.choices)
    # A patient who needs an interpreter seen without one: why, in the staff's words.
    interpreter_reason = EncryptedTextField(
        _("why no professional interpreter"), max_length=500, blank=True
    )
    # What the patient may take home: written with them, printed only if they choose.
    patient_instructions = EncryptedTextField(
        _("instructions for the patient"), max_length=2000, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ("-started_at",)

    def __str__(self) -> str:
        return f"visit {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None

    @property
    def without_needed_interpreter(self) -> bool:
        """Seen without an interpreter although the patient needs one (a reason is kept)."""
        return self.interpreter == Interpreter.NOT_NEEDED and self.patient.interpreter_needed

    @property
    def companion_in_room(self) -> bool:
        """Someone came with the patient and is still in the room."""
        return self.companion in (CompanionStatus.STAYED, CompanionStatus.NOT_ASKED)


class CarePreferences(models.Model):
    """How, by whom, where and when the patient wants to be cared for. Shown before contact."""

    patient = models.OneToOneField(
        "patients.Patient", on_delete=models.CASCADE, related_name="care_preferences"
    )
    clinician_gender = models.CharField(
        _("clinician's gender"), max_length=16, choices=ClinicianGender.choices, blank=True
    )
    chaperone = models.BooleanField(_("wants a chaperone present"), default=False)
    support_person = EncryptedTextField(
        _("support person the patient wants present"), max_length=200, blank=True
    )
    not_present = EncryptedTextField(
        _("people who must not be present"), max_length=500, blank=True
    )
    setting_wishes = EncryptedTextField(_("wishes about the setting"), max_length=500, blank=True)
    timing_wishes = EncryptedTextField(_("wishes about timing"), max_length=500, blank=True)
    do_not = EncryptedTextField(
        _("things the patient asked us not to do"), max_length=1000, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    def __str__(self) -> str:
        return f"care preferences of {self.patient_id}"

    @property
    def is_empty(self) -> bool:
        return not (
            self.clinician_gender
            or self.chaperone
            or self.support_person
            or self.not_present
            or self.setting_wishes
            or self.timing_wishes
            or self.do_not
        )


class ConsentRecord(models.Model):
    """One decision of the patient (or guardian) about one scope. Never edited."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="consents"
    )
    encounter = models.ForeignKey(
        Encounter, on_delete=models.CASCADE, null=True, blank=True, related_name="consents"
    )
    scope = models.CharField(_("what for"), max_length=40, choices=Scope.choices)
    status = models.CharField(_("decision"), max_length=16, choices=RECORDED_STATUSES)
    method = models.CharField(_("how"), max_length=16, choices=ConsentMethod.choices)
    given_by = models.CharField(
        _("decided by"), max_length=16, choices=ConsentGiver.choices, default=ConsentGiver.PATIENT
    )
    interpreter_used = models.BooleanField(_("through a professional interpreter"), default=False)
    recipient = EncryptedTextField(_("named recipient"), max_length=200, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    note = EncryptedTextField(_("note"), max_length=1000, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ("-recorded_at", "-pk")
        indexes = (models.Index(fields=("patient", "scope", "recorded_at")),)

    def __str__(self) -> str:
        return f"{self.scope}: {self.status}"

    def as_fact(self) -> consent_rules.ConsentFact:
        return consent_rules.ConsentFact(
            scope=self.scope,
            status=self.status,
            recorded_at=self.recorded_at,
            encounter_id=self.encounter_id,
            expires_at=self.expires_at,
            recipient=self.recipient or "",
            record_id=self.pk,
        )


class ExamStep(models.Model):
    """A part of the examination: done, skipped, declined or stopped by the patient."""

    encounter = models.ForeignKey(Encounter, on_delete=models.CASCADE, related_name="exam_steps")
    step = models.CharField(_("step"), max_length=20, choices=ExamStepKind.choices)
    status = models.CharField(_("what happened"), max_length=16, choices=ExamStepStatus.choices)
    told_can_stop = models.BooleanField(
        _("the patient was told they can stop at any time"), default=False
    )
    normal_findings_told = models.BooleanField(
        _("normal findings were told to the patient"), default=False
    )
    note = EncryptedTextField(_("note"), max_length=2000, blank=True)
    consents = models.ManyToManyField(ConsentRecord, related_name="+", blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ("recorded_at", "pk")

    def __str__(self) -> str:
        return f"{self.step}: {self.status}"


class Injury(models.Model):
    """An injury seen during a visit, placed on the body map."""

    encounter = models.ForeignKey(Encounter, on_delete=models.CASCADE, related_name="injuries")
    side = models.CharField(_("front or back"), max_length=8, choices=BodySide.choices)
    region = models.CharField(_("where"), max_length=16, choices=BodyRegion.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=InjuryKind.choices)
    healing = models.CharField(_("healing stage"), max_length=16, choices=HealingStage.choices)
    size = EncryptedTextField(_("size"), max_length=40, blank=True)
    note = EncryptedTextField(_("notes"), max_length=2000, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ("recorded_at", "pk")
        verbose_name_plural = _("injuries")

    def __str__(self) -> str:
        return f"{self.kind} on {self.region}"


class InjuryPhoto(models.Model):
    """A photograph of an injury: location data removed, sealed at rest, every view audited."""

    injury = models.ForeignKey(Injury, on_delete=models.CASCADE, related_name="photos")
    image = EncryptedBinaryField()  # the re-encoded image, without metadata
    thumbnail = EncryptedBinaryField()
    content_type = models.CharField(max_length=32)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    consent = models.ForeignKey(ConsentRecord, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ("uploaded_at", "pk")

    def __str__(self) -> str:
        return f"photo {self.pk}"


class Disclosure(models.Model):
    """Information shared outside the care team, with its basis: consent or a legal duty."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="disclosures"
    )
    encounter = models.ForeignKey(
        Encounter, on_delete=models.SET_NULL, null=True, blank=True, related_name="disclosures"
    )
    kind = models.CharField(_("to whom"), max_length=24, choices=DisclosureKind.choices)
    recipient = EncryptedTextField(_("recipient"), max_length=200)
    basis = models.CharField(_("basis"), max_length=16, choices=DisclosureBasis.choices)
    consent = models.ForeignKey(
        ConsentRecord, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    legal_basis = EncryptedTextField(_("legal duty"), max_length=500, blank=True)
    shared = EncryptedTextField(_("what was shared"), max_length=2000)
    reference = EncryptedTextField(_("reference number"), max_length=100, blank=True)
    disclosed_at = models.DateTimeField(default=timezone.now)
    disclosed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ("-disclosed_at",)

    def __str__(self) -> str:
        return f"disclosure {self.pk} ({self.kind})"


class FollowUpAssessment(models.Model):
    """What the visit found and gave that decides the follow-up: the facts a care-plan
    protocol needs, recorded once at the visit, never retyped. Age and sex come from the
    registry and positive screens from screening sessions."""

    encounter = models.OneToOneField(
        Encounter, on_delete=models.CASCADE, related_name="follow_up_assessment"
    )
    exposure_time = models.CharField(
        _("time of the exposure"), max_length=16, choices=ExposureTime.choices
    )
    exposure_at = models.DateTimeField(_("when"), null=True, blank=True)
    npep = models.CharField(_("HIV nPEP"), max_length=16, choices=NpepStart.choices)
    npep_started_at = models.DateTimeField(_("nPEP started at"), null=True, blank=True)
    ec_given = models.BooleanField(_("emergency contraception given"), default=False)
    prophylaxis_given = models.BooleanField(_("STI prophylaxis given"), default=False)
    hbv_immune = models.CharField(
        _("hepatitis B immunity"), max_length=16, choices=HbvImmunity.choices
    )
    hbv_doses_before = models.PositiveSmallIntegerField(
        _("hepatitis B doses before this visit"), default=0
    )
    hbv_dose_given = models.BooleanField(_("hepatitis B dose given at this visit"), default=False)
    hpv_doses_before = models.PositiveSmallIntegerField(_("HPV doses before this visit"), default=0)
    hpv_dose_given = models.BooleanField(_("HPV dose given at this visit"), default=False)
    hiv_status = models.CharField(_("HIV status"), max_length=16, choices=HivStatus.choices)
    hiv_test_generation = models.CharField(
        _("HIV test used"), max_length=2, choices=HivTestGeneration.choices, blank=True
    )
    pregnancy = models.CharField(_("pregnancy"), max_length=16, choices=Pregnancy.choices)
    sores = models.BooleanField(_("genital or anal sores"), default=False)
    discharge = models.BooleanField(_("discharge"), default=False)
    bleeding = models.BooleanField(_("bleeding"), default=False)
    warts = models.BooleanField(_("warts"), default=False)
    chronic_conditions = models.JSONField(_("long-term conditions"), default=list, blank=True)
    assessed_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = (
            models.CheckConstraint(
                condition=models.Q(exposure_time="unknown", exposure_at__isnull=True)
                | (~models.Q(exposure_time="unknown") & models.Q(exposure_at__isnull=False)),
                name="follow_up_exposure_at_matches_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(npep="not_started", npep_started_at__isnull=True)
                | (~models.Q(npep="not_started") & models.Q(npep_started_at__isnull=False)),
                name="follow_up_npep_started_at_matches",
            ),
        )

    def __str__(self) -> str:
        return f"follow-up assessment of visit {self.encounter_id}"

    @property
    def sti_signs(self) -> list[str]:
        """The physical signs seen, by field name."""
        return [name for name in ("sores", "discharge", "bleeding", "warts") if getattr(self, name)]
