"""Care plans: what follows a patient after the first visit.

Terms:

* **care plan**: one per patient, holding every follow-up activity, physical and mental
  health alike (whole-person care). It keeps the protocol id and version of each batch of
  activities generated from a protocol (``batches``).
* **activity**: one owned, dated task (``earliest`` to ``latest``, ``due`` in between). A
  generated activity keeps the protocol id, version and the protocol's activity id it came
  from, and its **origin**: the visit or screening session that caused it. Manual activities
  (housing, legal, counseling, peer group, medication) have no protocol. ``external_ref``
  links an activity from an app that depends on care plans (``referral:<uuid>``).
* **open**: planned or scheduled; the other statuses end the activity.
* **urgent window**: an open urgent activity; it closes at ``latest``, unless its
  **exposure time is unknown** (``exposure_unknown``): then its dates count from the
  assessment, the real deadline may have passed, and the clinician decides now.
* **clinic protocol**: a clinic's own copy of a protocol, adapted by its clinical lead,
  published for the clinic once approved.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lantern.crypto.fields import EncryptedTextField

if TYPE_CHECKING:
    from lantern.accounts.models import User


class Category(models.TextChoices):
    PHYSICAL = "physical", _("Physical health")
    MENTAL = "mental", _("Mental health")
    SOCIAL = "social", _("Social support")
    PRACTICAL = "practical", _("Practical help")


class Status(models.TextChoices):
    PLANNED = "planned", _("Planned")
    SCHEDULED = "scheduled", _("Scheduled")
    DONE = "done", _("Done")
    MISSED = "missed", _("Missed")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = (Status.PLANNED, Status.SCHEDULED)
# What a partner organisation may meet: social and practical needs, and counseling added by
# staff. Clinical activities (protocol ones, medication) are the clinic's own.
REFERABLE_AREAS = (Category.SOCIAL, Category.PRACTICAL)
REFERABLE_KINDS = ("counseling",)


class CarePlan(models.Model):
    """The one follow-up plan of one patient."""

    patient = models.OneToOneField(
        "patients.Patient", on_delete=models.CASCADE, related_name="care_plan"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # [{"protocol": id, "version": v, "at": iso, "visit": pk, "added": n}] per generated batch.
    batches = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("care plan")

    def __str__(self) -> str:
        return f"care plan of {self.patient_id}"


class ActivityQuerySet(models.QuerySet["Activity"]):
    def open(self) -> ActivityQuerySet:
        """Activities still to do: planned or scheduled."""
        return self.filter(status__in=OPEN_STATUSES)

    def due_between(self, start: datetime.datetime, end: datetime.datetime) -> ActivityQuerySet:
        """Due at or after ``start`` and before ``end``."""
        return self.filter(due__gte=start, due__lt=end)

    def closing_between(self, start: datetime.datetime, end: datetime.datetime) -> ActivityQuerySet:
        """Urgent windows that close at or after ``start`` and before ``end``."""
        return self.filter(urgent=True, latest__gte=start, latest__lt=end)

    def deciding_now(self) -> ActivityQuerySet:
        """Urgent windows whose exposure time is unknown: the clinician decides now."""
        return self.filter(urgent=True, exposure_unknown=True)

    def visible_to(self, user: User) -> ActivityQuerySet:
        """Activities of the patients ``user`` may open (``Patient.objects.visible_to``)."""
        from lantern.patients.models import Patient

        # Correlated, so a worklist reads only the activities in its date range.
        visible = Patient.objects.visible_to(user).filter(pk=models.OuterRef("plan__patient"))
        return self.filter(models.Exists(visible))

    def in_health_system_of(self, user: User) -> ActivityQuerySet:
        """Activities of patients at any clinic of ``user``'s health system."""
        from lantern.patients.models import Patient

        at = Patient.clinics.through.objects.filter(
            patient=models.OuterRef("plan__patient"), clinic__health_system=user.health_system_id
        )
        return self.filter(models.Exists(at))

    def at_clinic(self, clinic_id: int) -> ActivityQuerySet:
        from lantern.patients.models import Patient

        at = Patient.clinics.through.objects.filter(
            patient=models.OuterRef("plan__patient"), clinic=clinic_id
        )
        return self.filter(models.Exists(at))

    def on_care_team_of(self, user: User) -> ActivityQuerySet:
        from lantern.accounts.models import CareTeamMember

        team = CareTeamMember.objects.filter(patient=models.OuterRef("plan__patient"), user=user)
        return self.filter(models.Exists(team))


class Activity(models.Model):
    """One follow-up task of a care plan."""

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="activities")
    code = models.CharField(_("kind"), max_length=40)
    # Sealed: a manual activity's title and rationale are staff's own words about the person.
    title = EncryptedTextField(_("what"), max_length=200)
    category = models.CharField(
        _("area"), max_length=16, choices=Category.choices, default=Category.PRACTICAL
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_activities",
        verbose_name=_("owner"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PLANNED
    )
    earliest = models.DateTimeField(_("not before"), null=True, blank=True)
    due = models.DateTimeField(_("due"))
    latest = models.DateTimeField(_("no later than"), null=True, blank=True)
    urgent = models.BooleanField(_("urgent"), default=False)
    # Urgent, and counted from an exposure whose time is unknown: no countdown, decide now.
    exposure_unknown = models.BooleanField(_("exposure time unknown"), default=False)
    # Put to the patient or left to the clinician's judgement rather than booked.
    offer = models.BooleanField(default=False)
    rationale = EncryptedTextField(_("why"), max_length=1000, blank=True)
    source = models.CharField(_("source"), max_length=100, blank=True)
    origin_visit = models.ForeignKey(
        "encounters.Encounter",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    origin_screening = models.ForeignKey(
        "screening.ScreeningSession",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    external_ref = models.CharField(max_length=100, blank=True)
    protocol_id = models.CharField(max_length=80, blank=True)
    protocol_version = models.CharField(max_length=20, blank=True)
    # The protocol's own activity id (stable across versions): a batch never repeats one.
    protocol_activity = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ("due", "pk")
        indexes = (
            models.Index(
                fields=("due",), condition=models.Q(status__in=OPEN_STATUSES), name="open_due"
            ),
            models.Index(
                fields=("latest",),
                condition=models.Q(status__in=OPEN_STATUSES, urgent=True),
                name="open_urgent_latest",
            ),
            models.Index(fields=("owner", "status", "due"), name="activity_owner_due"),
            models.Index(fields=("external_ref",), name="activity_external_ref"),
        )
        constraints = (
            models.UniqueConstraint(
                fields=("plan", "origin_visit", "protocol_activity"),
                condition=~models.Q(protocol_activity=""),
                name="protocol_activity_once_per_visit",
            ),
        )

    def __str__(self) -> str:
        return f"{self.code} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def decide_now(self) -> bool:
        """Open, urgent, and its deadline unknown: shown as "decide now", never a countdown."""
        return self.is_open and self.urgent and self.exposure_unknown

    @property
    def generated(self) -> bool:
        return bool(self.protocol_id)

    @property
    def referable(self) -> bool:
        """Open, and a need a referral to a service could serve.

        Activities another app linked in (``external_ref``: a referral awaiting its answer, a
        reminder to reconfirm) are that app's own work, never a need to refer for; urgent
        windows are the clinic's to meet.
        """
        if not self.is_open or self.external_ref or self.urgent:
            return False
        return self.category in REFERABLE_AREAS or (
            not self.protocol_id and self.code in REFERABLE_KINDS
        )


class ActivityStatusChange(models.Model):
    """Who changed an activity's status, when, from what to what, and why."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="changes")
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    from_status = models.CharField(max_length=16, choices=Status.choices)
    to_status = models.CharField(max_length=16, choices=Status.choices)
    note = EncryptedTextField(_("note"), max_length=1000, blank=True)

    class Meta:
        ordering = ("changed_at", "pk")

    def __str__(self) -> str:
        return f"{self.from_status} -> {self.to_status}"


class Appointment(models.Model):
    """A booked time for an activity."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="appointments")
    starts_at = models.DateTimeField(_("starts at"))
    place = EncryptedTextField(_("where"), max_length=200, blank=True)
    notes = EncryptedTextField(_("notes"), max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ("starts_at", "pk")

    def __str__(self) -> str:
        return f"appointment {self.pk}"


class ProtocolStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class ClinicProtocol(models.Model):
    """A clinic's adapted copy of a protocol (``lantern-protocol/1`` data), draft or published.

    At most one version per protocol id is published for a clinic at a time; publishing a
    newer version retires the older one, whose plans keep the version they were made from.
    """

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.CASCADE, related_name="+")
    protocol_id = models.CharField(max_length=80)
    version = models.CharField(max_length=20)
    data = models.JSONField()
    # The protocol this copy was made from, as it stood at that moment: the copy's diff shows
    # what this clinic changed, whatever the source (perhaps another clinic's draft) becomes
    # later, and reads nothing of that clinic's records. Empty for copies made before it.
    original = models.JSONField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=ProtocolStatus.choices, default=ProtocolStatus.DRAFT
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ("protocol_id", "-created_at")
        constraints = (
            models.UniqueConstraint(
                fields=("clinic", "protocol_id", "version"), name="clinic_protocol_version_once"
            ),
            models.UniqueConstraint(
                fields=("clinic", "protocol_id"),
                condition=models.Q(status="published"),
                name="clinic_protocol_published_once",
            ),
        )

    def __str__(self) -> str:
        return f"{self.protocol_id} {self.version}"
