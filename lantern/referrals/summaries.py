"""What a screen shows about a service, for a page of services in a fixed number of queries.

Search results, a service's page and (later) the referral form all show the same facts:
its needs and eligibility, languages, phones, hours and whether it is open now, where it
is, the areas it serves and the latest availability note. ``summarise`` loads them for any
number of services with the same dozen queries.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from lantern.referrals import schedules, taxonomy
from lantern.referrals.models import (
    Address,
    Attribute,
    Language,
    Metadata,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
)

NEED_IDS = frozenset(need.id for need in taxonomy.NEEDS)
FACTS = (*taxonomy.FLAGS, *taxonomy.GENDERS, *taxonomy.COSTS)


@dataclass
class Availability:
    note: str
    updated_at: datetime.datetime | None


@dataclass
class ServiceSummary:
    service: Service
    open_now: bool = False
    needs: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)  # eligibility and cost, translated
    term_ids: set[UUID] = field(default_factory=set)
    languages: list[str] = field(default_factory=list)
    phones: list[Phone] = field(default_factory=list)
    hours: list[str] = field(default_factory=list)
    places: list[tuple[ServiceAtLocation, list[Address]]] = field(default_factory=list)
    areas: list[str] = field(default_factory=list)
    availability: Availability | None = None
    score: int = 0

    @property
    def age_range(self) -> tuple[int | None, int | None]:
        low, high = self.service.minimum_age, self.service.maximum_age
        return (None if low is None else int(low), None if high is None else int(high))


def utc_offsets(health_system_id: int) -> list[int]:
    """The distinct UTC offsets that the directory's schedules state for themselves."""
    found = (
        Schedule.objects.filter(health_system_id=health_system_id)
        .exclude(utc_offset_minutes=None)
        .values_list("utc_offset_minutes", flat=True)
        .distinct()
    )
    return [offset for offset in found if offset is not None]


def open_now_filter(
    offsets: Sequence[int], now: datetime.datetime | None = None, *, few: bool = False
) -> Q:
    """A filter on ``Service``: open now through its own or a location's schedule.

    ``few``: for a handful of services (a page of results), look up each one's schedules
    rather than work out the set of every service open now.
    """
    condition = schedules.open_now(offsets, now)
    if few:
        mine = Schedule.objects.filter(condition, service=OuterRef("pk"))
        placed = Schedule.objects.filter(condition, service_at_location__service=OuterRef("pk"))
        return Q(Exists(mine)) | Q(Exists(placed))
    own = Schedule.objects.filter(condition, service__isnull=False)
    at_location = Schedule.objects.filter(condition, service_at_location__isnull=False)
    return Q(pk__in=own.values("service_id")) | Q(
        pk__in=at_location.values("service_at_location__service_id")
    )


def summarise(
    services: Sequence[Service], *, now: datetime.datetime | None = None
) -> list[ServiceSummary]:
    if not services:
        return []
    system = services[0].health_system_id
    by_pk = {service.pk: ServiceSummary(service) for service in services}
    by_uid = {service.hsds_id: by_pk[service.pk] for service in services}
    pks = list(by_pk)
    opened = Service.objects.filter(pk__in=pks).filter(
        open_now_filter(utc_offsets(system), now or timezone.now(), few=True)
    )
    for pk in opened.values_list("pk", flat=True):
        by_pk[pk].open_now = True
    _attributes(system, by_uid)
    spoken = Language.objects.filter(service__in=pks).order_by("pk")
    for service_id, code, name, given in spoken.values_list(
        "service_id", "lantern_code", "name", "code"
    ):
        by_pk[service_id].languages.append(_language_label(code, name or given))
    for phone in Phone.objects.filter(service__in=pks).order_by("pk"):
        by_pk[phone.service_id].phones.append(phone)  # type: ignore[index]
    _hours(pks, by_pk)
    _places(pks, by_pk)
    for area in ServiceArea.objects.filter(service__in=pks).order_by("pk"):
        by_pk[area.service_id].areas.append(area.name or area.description)  # type: ignore[index]
    return [by_pk[service.pk] for service in services]


def _language_label(code: str, given: str) -> str:
    from lantern.patients.choices import LANGUAGES

    names = dict(LANGUAGES)
    return str(names[code]) if code in names else given


def _attributes(system: int, by_uid: dict[UUID, ServiceSummary]) -> None:
    # Plain tuples, not model instances: a page of services carries a few hundred.
    found = Attribute.objects.filter(
        health_system_id=system,
        linked_type="service",
        link_id__in=list(by_uid),
        taxonomy_term__health_system__isnull=True,
    ).values_list("link_id", "hsds_id", "value", "taxonomy_term__hsds_id")
    availability: dict[UUID, tuple[ServiceSummary, str]] = {}
    for link_id, uid, value, term_id in found.order_by("pk"):
        summary = by_uid[link_id]
        summary.term_ids.add(term_id)
        if term_id == taxonomy.AVAILABILITY.id:
            availability[uid] = (summary, value)
        elif term_id in NEED_IDS:
            summary.needs.append(taxonomy.label_for(term_id))
    for summary in by_uid.values():
        summary.facts = [str(term.label) for term in FACTS if term.id in summary.term_ids]
    _availability(system, availability)


def _availability(system: int, found: dict[UUID, tuple[ServiceSummary, str]]) -> None:
    latest: dict[UUID, str] = {}
    changes = Metadata.objects.filter(
        health_system_id=system, linked_type="attribute", resource_id__in=list(found)
    ).values_list("resource_id", "last_action_date")
    for resource_id, stamp in changes:
        if stamp > latest.get(resource_id, ""):
            latest[resource_id] = stamp
    for uid, (summary, note) in found.items():
        summary.availability = Availability(note, _parse_stamp(latest.get(uid, "")))


def _parse_stamp(value: str) -> datetime.datetime | None:
    try:
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = datetime.datetime.combine(
                datetime.date.fromisoformat(value[:10]), datetime.time()
            )
        except ValueError:
            return None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, datetime.UTC)


def _hours(pks: list[int], by_pk: dict[int, ServiceSummary]) -> None:
    rows = Schedule.objects.filter(Q(service__in=pks) | Q(service_at_location__service__in=pks))
    seen: dict[int, set[str]] = defaultdict(set)
    found = rows.order_by("pk").values_list(
        "service_id",
        "service_at_location__service_id",
        "open_days",
        "opens_minute",
        "closes_minute",
        "description",
    )
    for own, placed, days, opens, closes, description in found:
        owner = own or placed
        text = schedules.hours_text(days, opens, closes) or description
        if text and text not in seen[owner]:
            seen[owner].add(text)
            by_pk[owner].hours.append(text)


def _places(pks: list[int], by_pk: dict[int, ServiceSummary]) -> None:
    places = list(
        ServiceAtLocation.objects.filter(service__in=pks).select_related("location").order_by("pk")
    )
    addresses: dict[int, list[Address]] = defaultdict(list)
    location_ids = [place.location_id for place in places]
    for address in Address.objects.filter(location__in=location_ids).order_by("pk"):
        addresses[address.location_id].append(address)  # type: ignore[index]
    for place in places:
        by_pk[place.service_id].places.append((place, addresses[place.location_id]))
