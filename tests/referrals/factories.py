"""Directory test data, made through the same services staff use."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from lantern.accounts.models import HealthSystem, Role, User
from lantern.referrals import services
from lantern.referrals.models import Location, Organization, Service
from tests.factories import UserFactory


def maintainer(health_system: HealthSystem) -> User:
    existing = User.objects.filter(health_system=health_system, role=Role.ADMINISTRATOR).first()
    return existing or UserFactory(role=Role.ADMINISTRATOR, health_system=health_system)


def make_organization(health_system: HealthSystem, name: str = "Harbor Legal Aid") -> Organization:
    return services.organization_save(
        actor=maintainer(health_system),
        health_system=health_system,
        values={"name": name, "description": f"{name} (fictional)"},
    )


def make_location(
    organization: Organization, city: str = "Riverside", name: str = "Main office"
) -> Location:
    return services.location_save(
        actor=maintainer(organization.health_system),
        health_system=organization.health_system,
        details=services.PlaceDetails(
            values={
                "organization": organization,
                "name": name,
                "location_type": "physical",
                "transportation": "",
            },
            address={
                "address_1": "1 Example Street",
                "address_2": "",
                "city": city,
                "state_province": "CA",
                "postal_code": "90001",
                "country": "US",
            },
        ),
    )


def make_service(
    health_system: HealthSystem,
    name: str = "Drop-in legal clinic",
    *,
    organization: Organization | None = None,
    needs: Sequence[UUID] = (),
    terms: Sequence[UUID] = (),
    languages: Sequence[str] = ("en",),
    hours: Sequence[services.Hours] = (),
    areas: Sequence[str] = (),
    description: str = "",
    city: str = "Riverside",
    **values: Any,
) -> Service:
    organization = organization or make_organization(health_system, f"{name} organisation")
    location = make_location(organization, city=city)
    fields = {
        "name": name,
        "alternate_name": "",
        "description": description,
        "status": "active",
        "minimum_age": None,
        "maximum_age": None,
        **values,
    }
    return services.service_save(
        actor=maintainer(health_system),
        organization=organization,
        details=services.ServiceDetails(
            values=fields,
            needs=needs,
            terms=terms,
            languages=languages,
            phone="555-0100",
            hours=hours,
            areas=areas,
            locations=[location],
        ),
    )


def weekdays(opens: str = "09:00", closes: str = "17:00", days: int = 0b11111) -> services.Hours:
    return services.Hours(
        days, datetime.time.fromisoformat(opens), datetime.time.fromisoformat(closes)
    )
