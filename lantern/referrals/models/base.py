"""What every directory record shares: the health system whose directory holds it, and its
HSDS identifier.

Each health system keeps its own directory, so two health systems on one Lantern can import
the same published feed: an HSDS ``id`` is unique within one directory, and the database
key (``pk``) is Lantern's own. Taxonomies and terms with no health system are Lantern's own
vocabularies (``lantern.referrals.taxonomy``), shared by every directory.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar, TypeVar

from django.db import models

from lantern.accounts.models import HealthSystem

Record = TypeVar("Record", bound="DirectoryRecord")


def text(**kwargs: Any) -> models.TextField[str, str]:
    """An HSDS text field: empty when the source leaves it out."""
    return models.TextField(blank=True, **kwargs)


def number() -> models.FloatField[float | None, float | None]:
    """An HSDS number: JSON numbers are doubles, and an absent one stays absent."""
    return models.FloatField(null=True, blank=True)


class DirectoryQuerySet(models.QuerySet[Record]):
    def in_directory(self, health_system: HealthSystem | int | None) -> DirectoryQuerySet[Record]:
        """The records of one health system's directory (none for staff without one)."""
        if health_system is None:
            return self.none()
        return self.filter(health_system=health_system)


class DirectoryRecord(models.Model):
    health_system = models.ForeignKey(HealthSystem, on_delete=models.CASCADE, related_name="+")
    hsds_id = models.UUIDField(default=uuid.uuid4)

    objects: ClassVar[Any] = DirectoryQuerySet.as_manager()

    class Meta:
        abstract = True
        constraints = (
            models.UniqueConstraint(
                fields=("health_system", "hsds_id"), name="%(app_label)s_%(class)s_hsds_id"
            ),
        )

    def __str__(self) -> str:
        label = getattr(self, "name", "") or getattr(self, "number", "")
        return str(label or self.hsds_id)


def fk(model: str, related_name: str, *, protect: bool = False) -> Any:
    """An optional link to a parent record, as HSDS's ``<table>_id`` columns are."""
    return models.ForeignKey(
        model,
        on_delete=models.PROTECT if protect else models.CASCADE,
        null=True,
        blank=True,
        related_name=related_name,
    )
