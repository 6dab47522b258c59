"""The audit report's filters and sort orders, applied to whatever entries the caller may show
(``lantern.privacy.scope`` decides that for a privacy officer)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from uuid import UUID

from django.utils import timezone

from lantern.audit.models import AuditEventQuerySet

PAGE_SIZE = 50

# Whitelisted sort keys: the request picks a key, never a column name.
SORTS: dict[str, tuple[str, ...]] = {
    "-time": ("-at", "-sequence"),
    "time": ("at", "sequence"),
    "user": ("actor_label", "-sequence"),
    "-user": ("-actor_label", "-sequence"),
    "action": ("action", "-sequence"),
    "-action": ("-action", "-sequence"),
}
DEFAULT_SORT = "-time"


@dataclass(frozen=True)
class ReportFilters:
    """What the officer asked for; every field optional."""

    user: str = ""
    patient_id: UUID | None = None
    action: str = ""
    outcome: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    sort: str = DEFAULT_SORT


def _start_of(day: datetime.date | None) -> datetime.datetime | None:
    """Midnight at the start of ``day`` in the clinic's time zone."""
    if day is None:
        return None
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def filtered(entries: AuditEventQuerySet, filters: ReportFilters) -> AuditEventQuerySet:
    if filters.user:
        entries = entries.by_user(filters.user)
    if filters.patient_id is not None:
        entries = entries.about_patient(filters.patient_id)
    if filters.action:
        entries = entries.filter(action=filters.action)
    if filters.outcome:
        entries = entries.filter(outcome=filters.outcome)
    day_after = filters.date_to + datetime.timedelta(days=1) if filters.date_to else None
    entries = entries.between(_start_of(filters.date_from), _start_of(day_after))
    return entries.order_by(*SORTS.get(filters.sort, SORTS[DEFAULT_SORT]))
