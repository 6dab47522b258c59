"""Administrators and advocates keep the directory up to date.

Forms re-show what was typed when something is wrong; every change goes through one
service in ``lantern.referrals.services`` and leaves an audit entry.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from lantern.accounts.access import AuthenticatedHttpRequest, refused_as_not_found
from lantern.accounts.models import HealthSystem
from lantern.core.http import require_safe, require_safe_or_POST
from lantern.referrals import services, taxonomy
from lantern.referrals.access import directory_maintainers, directory_record
from lantern.referrals.forms import (
    AvailabilityForm,
    HoursFormSet,
    LocationForm,
    OrganizationForm,
    ServiceForm,
    StatusForm,
)
from lantern.referrals.models import (
    Accessibility,
    Address,
    Attribute,
    Location,
    Organization,
    Phone,
    Service,
)
from lantern.referrals.schedules import DAY_CODES
from lantern.referrals.views.search import service_context


def _system(request: AuthenticatedHttpRequest) -> HealthSystem:
    system_id = request.user.health_system_id
    system = HealthSystem.objects.filter(pk=system_id).first() if system_id else None
    if system is None:  # staff of no health system have no directory to change
        raise refused_as_not_found(request, "no directory without a health system")
    return system


@directory_maintainers
@require_safe
def manage(request: AuthenticatedHttpRequest) -> HttpResponse:
    system = request.user.health_system_id
    organizations = (
        Organization.objects.in_directory(system)
        .prefetch_related("services", "locations")
        .order_by("name", "pk")
    )
    return render(request, "referrals/manage.html", {"organizations": organizations})


def _first_phone(**owner: Any) -> str:
    phone = Phone.objects.filter(**owner).order_by("pk").first()
    return phone.number if phone else ""


@directory_maintainers
@require_safe_or_POST
def organization_edit(
    request: AuthenticatedHttpRequest, organization_id: UUID | None = None
) -> HttpResponse:
    organization = (
        directory_record(request, Organization, organization_id) if organization_id else None
    )
    initial: dict[str, Any] = {}
    if organization is not None:
        initial = {
            name: getattr(organization, name)
            for name in OrganizationForm.base_fields
            if name != "phone"
        }
        initial["phone"] = _first_phone(organization=organization)
    form = OrganizationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = services.organization_save(
            actor=request.user,
            health_system=_system(request),
            values=form.values(),
            phone=form.cleaned_data["phone"],
            organization=organization,
        )
        messages.success(request, _("Organisation saved."))
        return redirect("referrals:organization_edit", organization_id=saved.hsds_id)
    return render(
        request,
        "referrals/organization_form.html",
        {"form": form, "organization": organization},
    )


def _location_initial(location: Location) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "organization": location.organization,
        "name": location.name,
        "location_type": location.location_type,
        "transportation": location.transportation,
    }
    address = Address.objects.filter(location=location).order_by("pk").first()
    if address is not None:
        initial.update(
            {
                name: getattr(address, name)
                for name in LocationForm.base_fields
                if hasattr(address, name)
            }
        )
    access = Accessibility.objects.filter(location=location).order_by("pk").first()
    initial["accessibility"] = access.description if access else ""
    return initial


@directory_maintainers
@require_safe_or_POST
def location_edit(
    request: AuthenticatedHttpRequest, location_id: UUID | None = None
) -> HttpResponse:
    location = directory_record(request, Location, location_id) if location_id else None
    system = request.user.health_system_id
    form = LocationForm(
        request.POST or None,
        initial=_location_initial(location) if location else {},
        organizations=Organization.objects.in_directory(system).order_by("name"),
    )
    if request.method == "POST" and form.is_valid():
        saved = services.location_save(
            actor=request.user,
            health_system=_system(request),
            details=form.details(),
            location=location,
        )
        messages.success(request, _("Location saved."))
        return redirect("referrals:location_edit", location_id=saved.hsds_id)
    return render(request, "referrals/location_form.html", {"form": form, "location": location})


def _service_initial(service: Service) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    initial: dict[str, Any] = {name: getattr(service, name) for name in ServiceForm.SCALARS}
    for name in ("minimum_age", "maximum_age"):
        initial[name] = None if initial[name] is None else int(initial[name])
    terms = set(
        Attribute.objects.filter(
            health_system_id=service.health_system_id,
            linked_type="service",
            link_id=service.hsds_id,
            taxonomy_term__health_system__isnull=True,
        ).values_list("taxonomy_term__hsds_id", flat=True)
    )

    def pick(group: tuple[taxonomy.LanternTerm, ...]) -> list[str]:
        return [str(term.id) for term in group if term.id in terms]

    initial.update(
        needs=pick(taxonomy.NEEDS),
        genders=pick(taxonomy.GENDERS),
        flags=pick(taxonomy.FLAGS),
        cost=next(iter(pick(taxonomy.COSTS)), ""),
        languages=[language.lantern_code for language in service.languages.all()],
        phone=_first_phone(service=service),
        areas="\n".join(area.name for area in service.service_areas.order_by("pk")),
        locations=[place.location for place in service.service_at_locations.all()],
    )
    hours = [
        {
            "days": [
                str(DAY_CODES.index(code)) for code in s.byday.split(",") if code in DAY_CODES
            ],
            "opens": s.opens_at[:5] or None,
            "closes": s.closes_at[:5] or None,
        }
        for s in service.schedules.order_by("pk")
    ]
    return initial, hours


@directory_maintainers
@require_safe_or_POST
def service_edit(
    request: AuthenticatedHttpRequest,
    service_id: UUID | None = None,
    organization_id: UUID | None = None,
) -> HttpResponse:
    service = directory_record(request, Service, service_id) if service_id else None
    organization = (
        service.organization
        if service is not None
        else directory_record(request, Organization, organization_id)  # type: ignore[arg-type]
    )
    initial, hours_initial = _service_initial(service) if service else ({}, [])
    system = request.user.health_system_id
    form = ServiceForm(
        request.POST or None,
        initial=initial,
        locations=Location.objects.in_directory(system).order_by("name", "pk"),
    )
    hours = HoursFormSet(request.POST or None, initial=hours_initial, prefix="hours")
    if request.method == "POST" and form.is_valid() and hours.is_valid():
        rows = [row for row in (f.hours() for f in hours.forms) if row is not None]
        saved = services.service_save(
            actor=request.user,
            organization=organization,
            details=form.details(rows),
            service=service,
        )
        messages.success(request, _("Service saved."))
        return redirect("referrals:service", service_id=saved.hsds_id)
    return render(
        request,
        "referrals/service_form.html",
        {"form": form, "hours": hours, "service": service, "organization": organization},
    )


@directory_maintainers
@require_safe_or_POST
def service_availability(request: AuthenticatedHttpRequest, service_id: UUID) -> HttpResponse:
    service = directory_record(request, Service, service_id)
    if request.method != "POST":  # the address reloaded, or its language changed
        return redirect("referrals:service", service_id=service.hsds_id)
    form = AvailabilityForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "referrals/service.html",
            service_context(request, service, availability_form=form),
            status=400,
        )
    services.service_availability_update(
        actor=request.user, service=service, note=form.cleaned_data["note"]
    )
    messages.success(request, _("Availability updated."))
    return redirect("referrals:service", service_id=service.hsds_id)


@directory_maintainers
@require_safe_or_POST
def service_status(request: AuthenticatedHttpRequest, service_id: UUID) -> HttpResponse:
    service = directory_record(request, Service, service_id)
    if request.method != "POST":  # the address reloaded, or its language changed
        return redirect("referrals:service", service_id=service.hsds_id)
    form = StatusForm(request.POST)
    if form.is_valid():
        services.service_status_set(
            actor=request.user, service=service, status=form.cleaned_data["status"]
        )
        messages.success(request, _("Status changed."))
    else:
        messages.error(request, _("Choose a status."))
    return redirect("referrals:service", service_id=service.hsds_id)
