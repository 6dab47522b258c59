"""A clinic's training rule, and each attestation a member of staff gives."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DEFAULT_VALID_MONTHS = 12


class TrainingPolicy(models.Model):
    """What a clinic asks of its staff: how long an attestation lasts, and whether screening
    (at a workstation or on a tablet) waits for a current attestation of every module."""

    clinic = models.OneToOneField(
        "accounts.Clinic", on_delete=models.CASCADE, related_name="training_policy"
    )
    required_for_screening = models.BooleanField(
        _("require current training before screening"), default=False
    )
    valid_months = models.PositiveSmallIntegerField(
        _("months an attestation lasts"),
        default=DEFAULT_VALID_MONTHS,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("training policy")

    def __str__(self) -> str:
        return f"training policy of {self.clinic}"


class AttestationQuerySet(models.QuerySet["Attestation"]):
    def latest_per_module(self) -> AttestationQuerySet:
        """Newest first, so the first of each (user, module) pair is the one that counts."""
        return self.order_by("user_id", "module_id", "-attested_at")


class Attestation(models.Model):
    """A member of staff passed a module's knowledge check and attested completing it.

    It is for one version of the module: a new version asks for a new attestation. It
    lasts as long as the clinic's policy says, counted from ``attested_at``.
    """

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="attestations")
    module_id = models.SlugField(max_length=60)
    module_version = models.PositiveIntegerField()
    attested_at = models.DateTimeField(default=timezone.now)

    objects = AttestationQuerySet.as_manager()

    class Meta:
        verbose_name = _("training attestation")
        ordering = ("-attested_at",)
        indexes = (models.Index(fields=("user", "module_id", "-attested_at")),)

    def __str__(self) -> str:
        return f"{self.user_id} attested {self.module_id} v{self.module_version}"
