"""Worklists: what is due today, what is overdue, and urgent windows closing within 24 h.

Terms (in the clinic's time zone):

* **due today**: open activities due between the start of today and the start of tomorrow;
* **overdue**: open activities due before the start of today;
* **closing**: open urgent activities whose window closes within the next 24 hours, after
  those whose exposure time is unknown (their window may have closed already: the clinician
  decides now), which come first whenever their window, counted from the assessment, is
  still open.

Who sees what: a program manager sees every clinic of their health system (without names:
they do not open records); everyone else only patients they may open
(``Patient.objects.visible_to``). Each list is one query, whatever the number of rows, and
holds at most ``LIMIT`` rows.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from lantern.accounts.models import Clinic, Role, User
from lantern.careplans.models import Activity, ActivityQuerySet

LIMIT = 50
CLOSING_WITHIN = datetime.timedelta(hours=24)
SCOPES = ("mine", "team", "clinic")


@dataclass(frozen=True)
class Section:
    key: str
    activities: list[Activity]
    more: bool  # rows beyond LIMIT were left out


def sees_health_system(user: User) -> bool:
    return user.role == Role.PROGRAM_MANAGER and user.health_system_id is not None


def clinics_for(user: User) -> list[Clinic]:
    """The clinics whose worklist ``user`` may choose."""
    if sees_health_system(user):
        return list(Clinic.objects.filter(health_system=user.health_system_id))
    return list(user.clinics.all())


def base_for(user: User, scope: str, clinic: Clinic | None) -> ActivityQuerySet:
    """Open activities ``user`` may see in ``scope`` (``mine``, ``team`` or ``clinic``)."""
    found = Activity.objects.open()
    if sees_health_system(user):
        found = found.in_health_system_of(user)
    elif user.cares_for_patients:
        found = found.visible_to(user)
    else:
        return Activity.objects.none()
    if scope == "mine":
        found = found.filter(owner=user)
    elif scope == "team":
        found = found.on_care_team_of(user)
    if clinic is not None:
        found = found.at_clinic(clinic.pk)
    return found


# Only what a row shows: every sealed column read is a decryption.
ROW_FIELDS = (
    "code",
    "title",
    "status",
    "due",
    "latest",
    "urgent",
    "exposure_unknown",
    "protocol_id",
    "plan",
    "plan__patient",
    "owner",
    "plan__patient__preferred_name",
    "owner__display_name",
)
NAMELESS_ROW_FIELDS = tuple(f for f in ROW_FIELDS if f != "plan__patient__preferred_name")


def _rows(
    found: ActivityQuerySet, order: tuple[str, ...], fields: tuple[str, ...]
) -> tuple[list[Activity], bool]:
    rows = list(
        found.select_related("plan__patient", "owner")
        .prefetch_related("plan__patient__clinics")
        .only(*fields)
        .order_by(*order, "pk")[: LIMIT + 1]
    )
    return rows[:LIMIT], len(rows) > LIMIT


def sections(
    user: User, scope: str, clinic: Clinic | None, now: datetime.datetime | None = None
) -> list[Section]:
    now = now or timezone.now()
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    tomorrow = today + datetime.timedelta(days=1)
    base = base_for(user, scope, clinic)
    fields = NAMELESS_ROW_FIELDS if sees_health_system(user) else ROW_FIELDS
    closing = base.closing_between(now, now + CLOSING_WITHIN) | base.deciding_now().filter(
        Q(latest__gte=now) | Q(latest__isnull=True)
    )
    queries = (
        ("closing", closing, ("-exposure_unknown", "latest")),
        ("today", base.due_between(today, tomorrow), ("due",)),
        ("overdue", base.filter(due__lt=today), ("due",)),
    )
    found = []
    for key, queryset, order in queries:
        rows, more = _rows(queryset, order, fields)
        found.append(Section(key, rows, more))
    return found
