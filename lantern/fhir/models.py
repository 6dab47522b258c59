"""Registered API clients, their short-lived tokens, spent assertions and bulk exports.

Terms:

* **client** — a system (the hospital's EHR, a kiosk) that an administrator registered with
  its public keys (JWKS). It is bound to one clinic and sees only that clinic's patients, and
  only those whose current consent covers the client's kind of disclosure.
* **access token** — what the token endpoint hands out for a signed client assertion. Only
  its SHA-256 digest is stored; it lives a few minutes.
* **spent assertion** — the ``jti`` of every accepted assertion, kept until it expires, so
  an assertion cannot be replayed.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_client_id() -> str:
    """A client id an operator can paste after ``lantern fhir revoke``.

    Hexadecimal, so it never starts with ``-`` (which a command line reads as an option)
    and survives copying through mail and spreadsheets unchanged.
    """
    return secrets.token_hex(16)


class Disclosure(models.TextChoices):
    """What a client's access is, in the patient's consent vocabulary."""

    PRIMARY_CARE = "disclose_primary_care", _("The hospital's EHR (primary care)")
    DEIDENTIFIED = "disclose_deidentified", _("De-identified reporting")


class ApiClientQuerySet(models.QuerySet["ApiClient"]):
    def active(self) -> ApiClientQuerySet:
        return self.filter(revoked_at__isnull=True)

    def of_health_system(self, health_system_id: int | None) -> ApiClientQuerySet:
        return self.filter(clinic__health_system_id=health_system_id)


class ApiClient(models.Model):
    """A system allowed to use the FHIR API with SMART Backend Services."""

    client_id = models.CharField(max_length=40, unique=True, default=new_client_id, editable=False)
    name = models.CharField(_("name"), max_length=100)
    clinic = models.ForeignKey(
        "accounts.Clinic", on_delete=models.PROTECT, related_name="+", verbose_name=_("clinic")
    )
    disclosure = models.CharField(
        _("what it receives"),
        max_length=40,
        choices=Disclosure.choices,
        default=Disclosure.PRIMARY_CARE,
    )
    scopes = models.CharField(_("allowed scopes"), max_length=1000)
    jwks = models.JSONField(_("public keys (JWKS)"))
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ApiClientQuerySet.as_manager()

    class Meta:
        verbose_name = _("API client")
        ordering = ("name", "pk")

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    # The audit trail records a client as its actor through this name (``audit_record``).
    def get_username(self) -> str:
        return f"fhir-client:{self.client_id}"

    @property
    def allowed_scopes(self) -> list[str]:
        return self.scopes.split()


class AccessToken(models.Model):
    """An issued bearer token, known only by its SHA-256 digest."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="tokens")
    digest = models.CharField(max_length=64, unique=True)
    scopes = models.CharField(max_length=1000)
    issued_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"token of {self.client_id}"


class SpentAssertion(models.Model):
    """An accepted client assertion's ``jti``: the same assertion is refused a second time."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="+")
    jti = models.CharField(max_length=200)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=("client", "jti"), name="assertion_jti_once"),
        )

    def __str__(self) -> str:
        return f"assertion of {self.client_id}"


class ClientSubmission(models.Model):
    """A screening result that a client posted as a QuestionnaireResponse."""

    result = models.OneToOneField(
        "screening.ScreeningResult", on_delete=models.CASCADE, related_name="fhir_submission"
    )
    client = models.ForeignKey(ApiClient, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"submission {self.pk}"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class BulkExport(models.Model):
    """One Bulk Data ``$export`` request and, once done, its files."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="exports")
    level = models.CharField(max_length=8)  # "system" | "patient" | "group"
    group_id = models.CharField(max_length=64, blank=True)
    types = models.JSONField(default=list)
    since = models.DateTimeField(null=True, blank=True)
    request_url = models.CharField(max_length=1000)
    scopes = models.CharField(max_length=1000)  # the kick-off token's grant
    status = models.CharField(
        max_length=16, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    progress = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    transaction_time = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"export {self.pk}"

    @property
    def directory_name(self) -> str:
        return str(self.pk)

    def summary(self) -> dict[str, Any]:
        return {"level": self.level, "types": self.types, "status": self.status}


class BulkExportFile(models.Model):
    """One NDJSON file of an export: one resource type, sealed at rest in chunks."""

    export = models.ForeignKey(BulkExport, on_delete=models.CASCADE, related_name="files")
    resource_type = models.CharField(max_length=40)
    number = models.PositiveIntegerField(default=1)
    resources = models.PositiveIntegerField(default=0)
    size = models.PositiveBigIntegerField(default=0)  # NDJSON bytes, before sealing
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ("resource_type", "number")
        constraints = (
            models.UniqueConstraint(
                fields=("export", "resource_type", "number"), name="export_file_once"
            ),
        )

    def __str__(self) -> str:
        return f"{self.resource_type} file {self.number}"

    @property
    def name(self) -> str:
        """The name clients download it by (they receive plain NDJSON)."""
        return f"{self.resource_type}-{self.number}.ndjson"

    @property
    def file_name(self) -> str:
        """The sealed file on disk."""
        return f"{self.name}.sealed"
