"""The audit trail: one append-only entry for every access to patient data and every sign-in.

A request only inserts its entry, numbered by the database (``sequence``); no writer waits
for another. The sealer (``lantern.audit.sealing``) then links entries into a hash chain in
sequence order (see ``lantern.audit.chain``), records numbers that rolled-back transactions
used as ``AuditGap`` links, moves ``AuditChainHead`` to the newest sealed link and ends each
batch with an ``AuditCheckpoint`` authenticated by a key the database does not hold.
Database triggers (``lantern.audit.append_only``) refuse UPDATE and DELETE on all of them,
except filling in the hashes of an entry not yet sealed.
"""

from __future__ import annotations

import datetime
from typing import Any, cast
from uuid import UUID

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lantern.audit import chain
from lantern.core.labels import choice_label


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
    BREAK_GLASS = "break_glass", _("Emergency access (break the glass)")
    DISCLOSE = "disclose", _("Disclosure outside the care team")


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
    MENTAL_HEALTH = "mental_health", _("Mental health screening")
    CONSENT = "consent", _("Consent")
    EXAM = "exam", _("Examination and injuries")
    PHOTO = "photo", _("Photographs")
    AUDIT = "audit", _("Audit trail")


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def by_user(self, username: str) -> AuditEventQuerySet:
        """Entries by the account that had this username when the entry was written."""
        return self.filter(actor_label=username)

    def about_patient(self, patient_id: UUID) -> AuditEventQuerySet:
        return self.filter(patient_id=patient_id)

    def between(
        self, start: datetime.datetime | None, end: datetime.datetime | None
    ) -> AuditEventQuerySet:
        """Entries at or after ``start`` and strictly before ``end`` (either may be open)."""
        found = self
        if start is not None:
            found = found.filter(at__gte=start)
        if end is not None:
            found = found.filter(at__lt=end)
        return found


# The PostgreSQL sequence that numbers entries (created by migration 0008). SQLite admits one
# writer at a time, so there the next number is read from the table inside the INSERT.
ENTRY_SEQUENCE = "audit_entry_sequence"


class SequenceField(models.PositiveBigIntegerField[int, int]):
    """A number the database assigns on INSERT and gives back with ``RETURNING``."""

    @property
    def db_returning(self) -> bool:
        return True

    def deconstruct(self) -> Any:
        # The column is an ordinary big integer: only how Lantern inserts it differs.
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.PositiveBigIntegerField", args, kwargs


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
    # The chain: position, the previous link's hash, and this entry's own hash. The hashes
    # are empty until the sealer links the entry.
    sequence = SequenceField(unique=True, editable=False)
    prev_hash = models.CharField(max_length=64, editable=False)
    entry_hash = models.CharField(max_length=64, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ("sequence",)
        indexes = (models.Index(fields=("actor", "at"), name="audit_actor_at"),)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.outcome}"

    def _get_FIELD_display(self, field: models.Field[Any, Any]) -> object:
        # ``get_action_display`` and the others: lists show dozens of entries, so their
        # labels come from a table translated once.
        return choice_label(field, getattr(self, field.attname))

    @property
    def sealed(self) -> bool:
        return bool(self.entry_hash)

    def recorded(self) -> chain.Recorded:
        """The values the hash covers, as the database will give them back."""
        field = cast(
            "models.GenericIPAddressField[str | None, str | None]",
            self._meta.get_field("source_address"),
        )
        address = field.get_prep_value(self.source_address)  # IPv6 as the database keeps it
        return chain.Recorded(
            at=self.at,
            actor_id=self.actor_id,
            actor_label=self.actor_label,
            patient_id=self.patient_id,
            action=str(self.action),
            object_type=self.object_type,
            object_id=self.object_id,
            category=str(self.category),
            source_address=address or None,
            outcome=str(self.outcome),
            detail=self.detail,
        )


# ``chain.Recorded``'s field names are the model's column attributes, in the order it expects,
# so stored entries can be read with ``values_list(*RECORDED_FIELDS)``.
RECORDED_FIELDS: tuple[str, ...] = chain.Recorded._fields
CHAIN_FIELDS = ("sequence", "prev_hash", "entry_hash", *RECORDED_FIELDS)


class AuditChainHead(models.Model):
    """The newest sealed link of the audit chain: one row, locked by the sealer only.

    Request paths never touch it. Locking it keeps two sealers from extending the same link,
    and verification walks up to it, so removing the newest sealed entries shows. The
    database refuses to delete it, and to move it backwards.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    sequence = models.PositiveBigIntegerField(default=0)
    entry_hash = models.CharField(max_length=64, default=chain.GENESIS_HASH)

    class Meta:
        verbose_name = _("audit chain head")
        constraints = (models.CheckConstraint(condition=models.Q(id=1), name="audit_head_one_row"),)

    def __str__(self) -> str:
        return f"audit chain head {self.sequence} {self.entry_hash[:12]}"

    def as_head(self) -> chain.Head:
        return chain.Head(self.sequence, self.entry_hash)


class AuditGap(models.Model):
    """A sequence number no entry will ever hold: its transaction rolled back.

    The sealer chains it like an entry (``chain.gap_hash``), so removing an entry and calling
    its number a gap breaks the chain just as deleting it would.
    """

    sequence = models.PositiveBigIntegerField(unique=True, editable=False)
    prev_hash = models.CharField(max_length=64, editable=False)
    entry_hash = models.CharField(max_length=64, editable=False)
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("audit sequence gap")
        ordering = ("sequence",)

    def __str__(self) -> str:
        return f"audit gap {self.sequence}"


class AuditCheckpoint(models.Model):
    """The end of one sealed batch: the head as it was, authenticated with ``LANTERN_AUDIT_KEY``.

    The same line goes to the checkpoint file outside the database. The database cannot
    make a new one: it never holds the key.
    """

    sequence = models.PositiveBigIntegerField(editable=False)
    head_hash = models.CharField(max_length=64, editable=False)
    at = models.DateTimeField(editable=False)
    key_id = models.CharField(max_length=16, editable=False)
    mac = models.CharField(max_length=64, editable=False)

    class Meta:
        verbose_name = _("audit checkpoint")
        ordering = ("sequence", "at")
        indexes = (models.Index(fields=("sequence",), name="audit_checkpoint_sequence"),)

    def __str__(self) -> str:
        return f"audit checkpoint {self.sequence} {self.head_hash[:12]}"
