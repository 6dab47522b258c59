"""The audit trail: one append-only entry for every access to patient data and every sign-in."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    READ = "read", _("Read")
    SEARCH = "search", _("Search")
    CREATE = "create", _("Create")
    UPDATE = "update", _("Update")
    DELETE = "delete", _("Delete")
    PRINT = "print", _("Print")
    EXPORT = "export", _("Export")
    LOGIN = "login", _("Sign-in")
    LOGIN_FAILED = "login_failed", _("Failed sign-in")
    LOGOUT = "logout", _("Sign-out")
    PERMISSION_CHANGE = "permission_change", _("Permission change")


class Outcome(models.TextChoices):
    SUCCESS = "success", _("Success")
    DENIED = "denied", _("Denied")
    FAILED = "failed", _("Failed")


class Category(models.TextChoices):
    """What kind of information an entry touched, for accounting and review."""

    NONE = "", _("None")
    DEMOGRAPHICS = "demographics", _("Demographics")
    IDENTITY = "identity", _("Identity (names, aliases, identifiers)")
    CONTACT = "contact", _("Contact details")
    CARE_TEAM = "care_team", _("Care team")
    SENSITIVE = "sdv", _("Sexual assault, abuse or domestic violence information")


class AuditEvent(models.Model):
    """One thing someone did. Entries are only ever added; nothing in Lantern edits them.

    ``actor`` and ``patient_id`` are deliberately not enforced foreign keys: the trail must
    outlive a deactivated account or a purged record.
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    actor_label = models.CharField(max_length=150, blank=True)
    patient_id = models.UUIDField(null=True, db_index=True)
    action = models.CharField(max_length=32, choices=Action.choices)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    category = models.CharField(max_length=32, choices=Category.choices, blank=True)
    source_address = models.GenericIPAddressField(null=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.SUCCESS)
    detail = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ("at", "id")
        indexes = (models.Index(fields=("actor", "at"), name="audit_actor_at"),)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.outcome}"
