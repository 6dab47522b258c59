"""Screening sessions, their results, and what clinicians decided about them.

Instruments themselves are versioned data files (``screening/instruments/data``); the
database keeps which instrument and version was used, the answers (sealed: they can say
a person is being exploited), and the score, so history survives a new instrument version.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lantern.crypto.fields import EncryptedJSONField, EncryptedTextField
from lantern.screening import instruments

# Flags that stay in view until a clinician acknowledges them (suicide risk, imminent risk).
ACKNOWLEDGE_SEVERITIES = frozenset({"urgent", "imminent"})


class Mode(models.TextChoices):
    CLINICIAN = "clinician", _("Asked by staff")
    KIOSK = "kiosk", _("Self-screening on a clinic tablet")
    EXCHANGE = "exchange", _("Received from another system (FHIR)")


class Status(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    DEFERRED = "deferred", _("Deferred: no private moment")
    STOPPED = "stopped", _("Stopped")


class PrivacyMethod(models.TextChoices):
    CAME_ALONE = "came_alone", _("The patient came alone")
    COMPANION_STEPPED_OUT = "companion_stepped_out", _("The companion was asked to step out")
    DURING_PROCEDURE = (
        "during_procedure",
        _("Spoke with the patient alone during a test or sample (e.g. a urine sample)"),
    )
    NOT_POSSIBLE = "not_possible", _("Could not speak with the patient alone")


class Interpretation(models.TextChoices):
    NOT_NEEDED = "not_needed", _("No interpreter needed")
    PROFESSIONAL_IN_PERSON = "professional_in_person", _("Professional interpreter, in person")
    PROFESSIONAL_REMOTE = "professional_remote", _("Professional interpreter, by phone or video")
    COMPANION = "companion", _("Only a companion or family member could interpret")


class ScreeningSessionQuerySet(models.QuerySet["ScreeningSession"]):
    def deferred(self) -> ScreeningSessionQuerySet:
        """Screens put off because the patient could not be seen alone: retry next contact."""
        return self.filter(status=Status.DEFERRED, retried_by__isnull=True)


class ScreeningSession(models.Model):
    """One sitting in which a patient answers one or more instruments."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="screening_sessions"
    )
    mode = models.CharField(max_length=16, choices=Mode.choices)
    # Where the screening happens: its thresholds are that clinic's choice.
    clinic = models.ForeignKey(
        "accounts.Clinic", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    instrument_ids = models.JSONField(default=list)
    language = models.CharField(max_length=8, default="en")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.IN_PROGRESS)
    # Empty when a registered system (FHIR client) sent the answers: see fhir.ClientSubmission.
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    # Private-screening gate, required before sensitive questions.
    privacy_method = models.CharField(max_length=32, choices=PrivacyMethod.choices, blank=True)
    interpretation = models.CharField(max_length=32, choices=Interpretation.choices, blank=True)
    # A patient who needs an interpreter screened without one: why, in the staff's words.
    interpreter_reason = EncryptedTextField(
        _("why no professional interpreter"), max_length=500, blank=True
    )
    deferral_note = EncryptedTextField(_("why it was deferred"), max_length=500, blank=True)
    retried_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="retries"
    )
    # Kiosk mode: the tablet holds this token; it works for this patient only, once.
    kiosk_token = models.CharField(max_length=64, unique=True, null=True, blank=True)
    kiosk_exited_at = models.DateTimeField(null=True, blank=True)
    # Left idle: the tablet shows a neutral page until staff sign in again and resume.
    kiosk_idle_at = models.DateTimeField(null=True, blank=True)
    # Answers chosen on the tablet but not saved yet, per questionnaire, sealed: kept
    # through an idle time-out and shown to staff as unfinished if never saved.
    kiosk_draft = EncryptedJSONField(default=dict, blank=True)
    results_released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    results_released_at = models.DateTimeField(null=True, blank=True)

    objects = ScreeningSessionQuerySet.as_manager()

    class Meta:
        ordering = ("-started_at",)

    def __str__(self) -> str:
        return f"screening {self.pk}"

    @staticmethod
    def new_kiosk_token() -> str:
        return secrets.token_urlsafe(32)

    @property
    def privacy_confirmed(self) -> bool:
        return self.privacy_method in {
            PrivacyMethod.CAME_ALONE,
            PrivacyMethod.COMPANION_STEPPED_OUT,
            PrivacyMethod.DURING_PROCEDURE,
        } and self.interpretation not in {"", Interpretation.COMPANION}

    @property
    def without_needed_interpreter(self) -> bool:
        """Asked without an interpreter although the patient needs one (a reason is kept)."""
        return self.interpretation == Interpretation.NOT_NEEDED and self.patient.interpreter_needed

    @property
    def sensitive(self) -> bool:
        """Whether any questionnaire asks about trafficking or violence."""
        return any(instruments.get_instrument(i).sensitive for i in self.instrument_ids)

    @property
    def awaits_privacy(self) -> bool:
        """Sensitive questions wait until staff confirm the patient is alone (on a tablet too,
        before it is handed over)."""
        return self.sensitive and not self.privacy_confirmed

    @property
    def results_released(self) -> bool:
        """Staff may see the results: all but those of a tablet not yet handed back."""
        return self.mode != Mode.KIOSK or self.results_released_at is not None

    def unanswered(self) -> list[str]:
        """The questionnaires of this screening without a result, in the order asked."""
        done = set(self.results.values_list("instrument_id", flat=True))
        return [i for i in self.instrument_ids if i not in done]


def unreleased_through(relation: str) -> Q:
    """Results staff may not see yet (a tablet's, before staff took the tablet back), reached
    through ``relation`` from another model's rows ("" for results themselves): a filter on
    two joined columns, so a page of rows needs no subquery over every result."""
    prefix = f"{relation}__" if relation else ""
    return Q(
        **{
            f"{prefix}session__mode": Mode.KIOSK,
            f"{prefix}session__results_released_at__isnull": True,
        }
    )


class ScreeningResultQuerySet(models.QuerySet["ScreeningResult"]):
    def released(self) -> ScreeningResultQuerySet:
        """Results staff may see (``ScreeningSession.results_released``, in the database)."""
        return self.exclude(unreleased_through(""))

    def awaiting_acknowledgement(self) -> ScreeningResultQuerySet:
        """Results with an urgent or imminent flag no clinician has acknowledged yet, newest
        first: they stay in view (patient page, visit page, staff home) until someone does."""
        return self.filter(awaiting_acknowledgement=True).order_by("-recorded_at", "-pk")


class ScreeningResult(models.Model):
    """One instrument's answers and score within a session."""

    session = models.ForeignKey(ScreeningSession, on_delete=models.CASCADE, related_name="results")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="screening_results"
    )
    instrument_id = models.CharField(max_length=40)
    instrument_version = models.CharField(max_length=20)
    category = models.CharField(max_length=20)
    # {"link_id": "answer code"}, sealed.
    answers = EncryptedJSONField(default=dict)
    total = models.IntegerField(null=True)
    band_code = models.CharField(max_length=40, blank=True)
    positive = models.BooleanField(default=False)
    threshold = models.IntegerField(null=True)
    flags = models.JSONField(default=list)
    summary = models.JSONField(default=dict)  # the ScoreResult as_dict(), for display
    # An urgent or imminent flag is still waiting for a clinician's acknowledgement.
    awaiting_acknowledgement = models.BooleanField(default=False, db_index=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    objects = ScreeningResultQuerySet.as_manager()

    class Meta:
        ordering = ("-recorded_at",)
        constraints = (
            models.UniqueConstraint(
                fields=("session", "instrument_id"), name="one_result_per_instrument_per_session"
            ),
        )
        indexes = (models.Index(fields=("patient", "instrument_id", "recorded_at")),)

    def __str__(self) -> str:
        return f"{self.instrument_id} result {self.pk}"

    def unacknowledged_flags(self) -> list[str]:
        """Codes of the flags that need an acknowledgement and have none yet."""
        # ``.all()``, so that a list of results can prefetch their acknowledgements.
        done = {entry.flag for entry in self.acknowledgements.all()} if self.pk else set()
        return [
            str(flag["code"])
            for flag in self.summary.get("flags", [])
            if flag.get("severity") in ACKNOWLEDGE_SEVERITIES and flag["code"] not in done
        ]


class FlagAcknowledgement(models.Model):
    """A clinician saw an urgent flag (e.g. suicide risk) and says what they did."""

    result = models.ForeignKey(
        ScreeningResult, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    flag = models.CharField(max_length=40)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(default=timezone.now)
    action_taken = EncryptedTextField(_("what was done"), max_length=1000)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=("result", "flag"), name="acknowledge_flag_once"),
        )

    def __str__(self) -> str:
        return f"{self.flag} acknowledged"


class CodeDecision(models.TextChoices):
    CONFIRMED = "confirmed", _("Recorded, as agreed with the patient")
    DECLINED = "declined", _("Not recorded")


class DiagnosisCode(models.Model):
    """An ICD-10-CM code a clinician decided on after discussing it with the patient.

    Lantern only suggests codes; nothing is coded until a clinician records a decision here.
    """

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="diagnosis_codes"
    )
    result = models.ForeignKey(
        ScreeningResult, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    code = models.CharField(max_length=10)
    decision = models.CharField(max_length=16, choices=CodeDecision.choices)
    discussed_with_patient = models.BooleanField(default=False)
    note = EncryptedTextField(_("note"), max_length=1000, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-decided_at",)

    def __str__(self) -> str:
        return f"{self.code} {self.decision}"


class ClinicThreshold(models.Model):
    """A clinic's choice of positive threshold where the literature offers more than one."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.CASCADE, related_name="+")
    instrument_id = models.CharField(max_length=40)
    threshold = models.IntegerField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=("clinic", "instrument_id"), name="one_threshold_per_clinic"
            ),
        )

    def __str__(self) -> str:
        return f"{self.instrument_id} threshold {self.threshold}"
