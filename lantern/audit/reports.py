"""The audit report's filters and sort orders, applied to whatever entries the caller may show
(``lantern.privacy.scope`` decides that for a privacy officer)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from uuid import UUID

from django.db import models
from django.utils import timezone

from lantern.audit.models import AuditEvent, AuditEventQuerySet

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


@dataclass(frozen=True)
class KeysetPage:
    """One page of the report, found from the entry next to it rather than by counting.

    ``after`` (or ``before``) names the sequence number of the last (or first) entry of
    the page the officer came from, so a page costs the same at the trail's first
    thousand entries as at its ten millionth: no ``COUNT(*)`` and no ``OFFSET``.
    """

    object_list: list[AuditEvent]
    has_next: bool
    has_previous: bool

    @property
    def next_after(self) -> int | None:
        return self.object_list[-1].sequence if self.has_next and self.object_list else None

    @property
    def previous_before(self) -> int | None:
        return self.object_list[0].sequence if self.has_previous and self.object_list else None

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous


def _beyond(order: tuple[str, ...], anchor: dict[str, object]) -> models.Q:
    """Entries that come after ``anchor`` in ``order`` (a lexicographic comparison)."""
    beyond = models.Q(pk__in=[])
    equal = models.Q()
    for key in order:
        field = key.lstrip("-")
        lookup = "lt" if key.startswith("-") else "gt"
        beyond |= equal & models.Q(**{f"{field}__{lookup}": anchor[field]})
        equal &= models.Q(**{field: anchor[field]})
    return beyond


def _reversed(order: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(key[1:] if key.startswith("-") else f"-{key}" for key in order)


def keyset_page(
    entries: AuditEventQuerySet,
    order: tuple[str, ...],
    *,
    after: int | None = None,
    before: int | None = None,
    size: int = PAGE_SIZE,
) -> KeysetPage:
    """The page of ``entries`` in ``order`` (ending in the sequence number, which is unique)
    after or before the entry numbered so."""
    fields = [key.lstrip("-") for key in order]
    cursor = after if after is not None else before
    anchor = entries.filter(sequence=cursor).values(*fields).first() if cursor else None
    if anchor is None:
        rows = list(entries.order_by(*order)[: size + 1])
        return KeysetPage(rows[:size], has_next=len(rows) > size, has_previous=False)
    if after is not None:
        rows = list(entries.filter(_beyond(order, anchor)).order_by(*order)[: size + 1])
        return KeysetPage(rows[:size], has_next=len(rows) > size, has_previous=True)
    backwards = _reversed(order)
    rows = list(entries.filter(_beyond(backwards, anchor)).order_by(*backwards)[: size + 1])
    return KeysetPage(rows[:size][::-1], has_next=True, has_previous=len(rows) > size)
