"""Writing the directory: imports, exports, and what administrators and advocates maintain.

Every write is one transaction and leaves an audit entry. Directory records hold no patient
data, so entries name the record and what changed, never free text.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from lantern.accounts.models import HealthSystem, User
from lantern.audit.models import Action
from lantern.audit.services import audit_record
from lantern.referrals import schedules, taxonomy
from lantern.referrals.hsds import exporting, importing, validation
from lantern.referrals.languages import lantern_code
from lantern.referrals.models import (
    Accessibility,
    Address,
    Attribute,
    Language,
    Location,
    Metadata,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceStatus,
    TaxonomyTerm,
)
from lantern.referrals.vocabulary import lantern_vocabulary_ensure


class DirectoryError(Exception):
    """A directory change that cannot be made; the message is safe to show."""


# --- Import and export -------------------------------------------------------------------------


def directory_import_files(
    *, health_system: HealthSystem, paths: Sequence[Path], actor: User | None = None
) -> importing.ImportResult:
    """Import HSDS JSON into ``health_system``'s directory: every record, or none."""
    base = None
    if len(paths) == 1:
        base = paths[0] if paths[0].is_dir() else paths[0].parent
    result = importing.directory_import(health_system=health_system, paths=paths, base=base)
    if result.ok:
        audit_record(
            action=Action.CREATE,
            actor=actor,
            detail=f"directory import: {result.created} added, {result.updated} replaced",
        )
    return result


def directory_export(
    *, health_system: HealthSystem, folder: Path, form: str, actor: User | None = None
) -> tuple[list[Path], str]:
    """Write the directory as HSDS JSON (``form``: objects or compiled); checked first."""
    documents = exporting.documents(health_system, form)
    for document in documents:
        problems = list(validation.errors(document.kind, document.body))
        if problems:  # Lantern wrote something HSDS does not allow: a bug, never shipped
            raise DirectoryError(f"{document.path()}: {problems[0].message}")
    written = exporting.write(documents, folder)
    digest = hashlib.sha256()
    for path in sorted(written):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    audit_record(
        action=Action.EXPORT,
        actor=actor,
        detail=f"directory export ({form}): {len(written)} documents, sha256 {digest.hexdigest()}",
    )
    return written, digest.hexdigest()


# --- Maintenance -------------------------------------------------------------------------------


def _stamp() -> str:
    return (
        timezone.now().astimezone(datetime.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    )


def _changed(obj: Any, values: dict[str, Any]) -> list[str]:
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name, value in values.items():
        setattr(obj, name, value)
    return changed


def _audit_write(actor: User, obj: Any, created: bool, changed: Iterable[str]) -> None:
    what = "added" if created else "changed: " + (", ".join(sorted(changed)) or "nothing")
    audit_record(
        action=Action.CREATE if created else Action.UPDATE,
        actor=actor,
        obj=obj,
        detail=f"directory {obj._meta.model_name} {what}"[:200],
    )


@transaction.atomic
def organization_save(
    *,
    actor: User,
    health_system: HealthSystem,
    values: dict[str, Any],
    phone: str = "",
    organization: Organization | None = None,
) -> Organization:
    """Create or change an organisation (name, description, contact details)."""
    created = organization is None
    record = organization or Organization(health_system=health_system)
    changed = _changed(record, values)
    record.save()
    if _replace_phone(record, "organization", phone):
        changed.append("phone")
    _audit_write(actor, record, created, changed)
    return record


def _replace_phone(owner: Any, link: str, number: str) -> bool:
    """Keep one main phone number on ``owner``; True when it changed."""
    phones = list(Phone.objects.filter(**{link: owner}).order_by("pk"))
    current = phones[0] if phones else None
    if (current.number if current else "") == number:
        return False
    if not number:
        Phone.objects.filter(pk=current.pk).delete()  # type: ignore[union-attr]
    elif current is None:
        Phone.objects.create(
            health_system_id=owner.health_system_id, number=number, type="voice", **{link: owner}
        )
    else:
        current.number = number
        current.save(update_fields=["number"])
    return True


@dataclass
class PlaceDetails:
    """A location as the maintenance form gives it: one address, access notes."""

    values: dict[str, Any]
    address: dict[str, str]
    accessibility: str = ""


@transaction.atomic
def location_save(
    *,
    actor: User,
    health_system: HealthSystem,
    details: PlaceDetails,
    location: Location | None = None,
) -> Location:
    created = location is None
    record = location or Location(health_system=health_system)
    values = dict(details.values)
    organization = values.pop("organization", None)
    values["organization_id"] = organization.pk if organization is not None else None
    changed = _changed(record, values)
    record.save()
    address = Address.objects.filter(location=record).order_by("pk").first()
    if any(details.address.values()):
        address = address or Address(health_system=health_system, location=record)
        if _changed(address, {**details.address, "address_type": "physical"}):
            changed.append("address")
        address.save()
    elif address is not None:
        address.delete()
        changed.append("address")
    access = Accessibility.objects.filter(location=record).order_by("pk").first()
    if (access.description if access else "") != details.accessibility:
        changed.append("accessibility")
        if access is None:
            access = Accessibility(health_system=health_system, location=record)
        access.description = details.accessibility
        access.save()
    _audit_write(actor, record, created, changed)
    return record


@dataclass
class Hours:
    days: int  # bits, Monday = 1
    opens: datetime.time
    closes: datetime.time

    def hsds(self) -> dict[str, Any]:
        codes = [code for day, code in enumerate(schedules.DAY_CODES) if self.days & (1 << day)]
        values = {
            "freq": "WEEKLY",
            "wkst": "MO",
            "interval": 1.0,
            "byday": ",".join(codes),
            "opens_at": self.opens.strftime("%H:%M"),
            "closes_at": self.closes.strftime("%H:%M"),
        }
        return {**values, **schedules.derived(values)}


@dataclass
class ServiceDetails:
    """A service as the maintenance form gives it."""

    values: dict[str, Any]  # HSDS scalar fields of the service
    needs: Sequence[UUID] = ()
    terms: Sequence[UUID] = ()  # Lantern eligibility and cost terms
    languages: Sequence[str] = ()  # Lantern language codes
    phone: str = ""
    hours: Sequence[Hours] = ()
    areas: Sequence[str] = ()
    locations: Sequence[Location] = field(default_factory=list)


@transaction.atomic
def service_save(
    *,
    actor: User,
    organization: Organization,
    details: ServiceDetails,
    service: Service | None = None,
) -> Service:
    """Create or change a service with its needs, eligibility, hours, areas and locations."""
    created = service is None
    record = service or Service(health_system_id=organization.health_system_id)
    changed = _changed(record, {**details.values, "organization_id": organization.pk})
    record.last_modified = _stamp()
    record.save()
    steps = (
        ("needs and eligibility", _set_terms(record, [*details.needs, *details.terms])),
        ("languages", _set_languages(record, details.languages)),
        ("phone", _replace_phone(record, "service", details.phone)),
        ("hours", _set_hours(record, details.hours)),
        ("areas served", _set_areas(record, details.areas)),
        ("locations", _set_locations(record, details.locations)),
    )
    changed += [name for name, did_change in steps if did_change]
    _audit_write(actor, record, created, changed)
    return record


def _service_attributes(service: Service, term_ids: Iterable[UUID]) -> Any:
    return Attribute.objects.filter(
        health_system_id=service.health_system_id,
        linked_type="service",
        link_id=service.hsds_id,
        taxonomy_term__health_system__isnull=True,
        taxonomy_term__hsds_id__in=list(term_ids),
    )


def _set_terms(service: Service, wanted: Sequence[UUID]) -> bool:
    lantern_vocabulary_ensure()
    editable = [term.id for term in taxonomy.TERMS if term is not taxonomy.AVAILABILITY]
    current = _service_attributes(service, editable).select_related("taxonomy_term")
    have = {attribute.taxonomy_term.hsds_id: attribute for attribute in current}
    remove = [attribute.pk for uid, attribute in have.items() if uid not in wanted]
    add = [uid for uid in wanted if uid not in have]
    Attribute.objects.filter(pk__in=remove).delete()
    terms = TaxonomyTerm.objects.filter(health_system__isnull=True, hsds_id__in=add)
    Attribute.objects.bulk_create(
        Attribute(
            health_system_id=service.health_system_id,
            taxonomy_term=term,
            link_id=service.hsds_id,
            link_entity="service",
            linked_type="service",
            value="true",
        )
        for term in terms
    )
    return bool(remove or add)


def _set_languages(service: Service, codes: Sequence[str]) -> bool:
    from lantern.patients.choices import LANGUAGES

    names = dict(LANGUAGES)
    current = {language.lantern_code: language for language in service.languages.all()}
    remove = [language.pk for code, language in current.items() if code not in codes]
    add = [code for code in codes if code not in current]
    Language.objects.filter(pk__in=remove).delete()
    Language.objects.bulk_create(
        Language(
            health_system_id=service.health_system_id,
            service=service,
            code=code,
            name=str(names.get(code, code)),
            lantern_code=lantern_code(code),
        )
        for code in add
    )
    return bool(remove or add)


def _set_hours(service: Service, hours: Sequence[Hours]) -> bool:
    current = list(service.schedules.order_by("pk"))
    wanted = [row.hsds() for row in hours]
    if [(s.byday, s.opens_at, s.closes_at) for s in current] == [
        (w["byday"], w["opens_at"], w["closes_at"]) for w in wanted
    ]:
        return False
    Schedule.objects.filter(pk__in=[s.pk for s in current]).delete()
    Schedule.objects.bulk_create(
        Schedule(health_system_id=service.health_system_id, service=service, **values)
        for values in wanted
    )
    return True


def _set_areas(service: Service, areas: Sequence[str]) -> bool:
    current = {area.name: area for area in service.service_areas.all()}
    remove = [area.pk for name, area in current.items() if name not in areas]
    add = [name for name in areas if name not in current]
    ServiceArea.objects.filter(pk__in=remove).delete()
    ServiceArea.objects.bulk_create(
        ServiceArea(health_system_id=service.health_system_id, service=service, name=name)
        for name in add
    )
    return bool(remove or add)


def _set_locations(service: Service, locations: Sequence[Location]) -> bool:
    """Offer the service at exactly these locations.

    A service-at-location that is no longer wanted is kept if anything points at it (the
    referrals sent to it stay readable); only unused ones are removed.
    """
    current = {sal.location_id: sal for sal in service.service_at_locations.all()}
    wanted = {location.pk for location in locations}
    remove = [sal for location_id, sal in current.items() if location_id not in wanted]
    for sal in remove:
        try:
            with transaction.atomic():
                sal.delete()
        except ProtectedError:
            continue
    ServiceAtLocation.objects.bulk_create(
        ServiceAtLocation(
            health_system_id=service.health_system_id, service=service, location=location
        )
        for location in locations
        if location.pk not in current
    )
    return bool(remove) or any(location.pk not in current for location in locations)


@transaction.atomic
def service_availability_update(*, actor: User, service: Service, note: str) -> None:
    """Record what staff last heard about capacity, and when (HSDS attribute and metadata)."""
    lantern_vocabulary_ensure()
    attribute = _service_attributes(service, [taxonomy.AVAILABILITY.id]).first()
    previous = attribute.value if attribute else ""
    if attribute is None:
        attribute = Attribute(
            health_system_id=service.health_system_id,
            taxonomy_term=TaxonomyTerm.objects.get(
                health_system__isnull=True, hsds_id=taxonomy.AVAILABILITY.id
            ),
            link_id=service.hsds_id,
            link_entity="service",
            linked_type="service",
        )
    attribute.value = note
    attribute.save()
    Metadata.objects.create(
        health_system_id=service.health_system_id,
        linked_type="attribute",
        resource_id=attribute.hsds_id,
        resource_type="attribute",
        last_action_date=_stamp(),
        last_action_type="update",
        field_name="value",
        previous_value=previous,
        replacement_value=note,
        updated_by=service.health_system.name if service.health_system_id else "",
    )
    service.last_modified = _stamp()
    service.save(update_fields=["last_modified"])
    audit_record(
        action=Action.UPDATE, actor=actor, obj=service, detail="directory availability updated"
    )


@transaction.atomic
def service_status_set(*, actor: User, service: Service, status: str) -> None:
    """Mark a service active or not; inactive services leave searches and referrals."""
    if status not in ServiceStatus.values:
        raise DirectoryError("unknown status")
    before = service.status
    service.status = status
    service.last_modified = _stamp()
    service.save(update_fields=["status", "last_modified"])
    audit_record(
        action=Action.UPDATE,
        actor=actor,
        obj=service,
        detail=f"directory service status: {before}->{status}",
    )
