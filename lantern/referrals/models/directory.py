"""Organisations, their services and locations, and where each service is offered.

Field names are HSDS 3.0's, so the mapping in ``lantern.referrals.hsds`` stays mechanical.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from lantern.referrals.models.base import (
    DirectoryQuerySet,
    DirectoryRecord,
    fk,
    number,
    text,
)


class Organization(DirectoryRecord):
    """An organisation that provides services: a shelter, a legal clinic, a hotline's operator."""

    name = models.TextField(_("name"))
    alternate_name = text(verbose_name=_("alternate name"))
    description = text(verbose_name=_("description"))
    email = text(verbose_name=_("email"))
    website = text(verbose_name=_("website"))
    tax_status = text()
    tax_id = text()
    year_incorporated = number()
    legal_status = text()
    logo = text()
    uri = text()
    # Kept as given: HSDS data may name a parent organisation that is not in the directory.
    parent_organization_id = models.UUIDField(null=True, blank=True)

    class Meta(DirectoryRecord.Meta):
        verbose_name = _("organisation")


class Program(DirectoryRecord):
    organization = fk("referrals.Organization", "programs")
    name = models.TextField()
    alternate_name = text()
    description = text()


class OrganizationIdentifier(DirectoryRecord):
    organization = fk("referrals.Organization", "organization_identifiers")
    identifier_scheme = text()
    identifier_type = text()
    identifier = text()


class Funding(DirectoryRecord):
    organization = fk("referrals.Organization", "funding")
    service = fk("referrals.Service", "funding")
    source = text()


class ServiceStatus(models.TextChoices):
    """HSDS's service statuses. Only active services are offered in searches and referrals."""

    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")
    DEFUNCT = "defunct", _("Closed for good")
    TEMPORARILY_CLOSED = "temporarily closed", _("Temporarily closed")


class ServiceQuerySet(DirectoryQuerySet["Service"]):
    def active(self) -> ServiceQuerySet:
        """Services that are taking people: the only ones a search or a referral offers."""
        return self.filter(status=ServiceStatus.ACTIVE)


class Service(DirectoryRecord):
    """Help that an organisation offers: what it is, who it is for, how to get it."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="services"
    )
    program = fk("referrals.Program", "services")
    name = models.TextField(_("name"))
    alternate_name = text(verbose_name=_("alternate name"))
    description = text(verbose_name=_("description"))
    url = text()
    email = text()
    status = models.CharField(
        _("status"), max_length=20, choices=ServiceStatus.choices, default=ServiceStatus.ACTIVE
    )
    interpretation_services = text()
    application_process = text()
    fees_description = text()
    wait_time = text()
    fees = text()
    accreditations = text()
    eligibility_description = text()
    minimum_age = number()
    maximum_age = number()
    assured_date = text()
    assurer_email = text()
    licenses = text()
    alert = text()
    last_modified = text()

    objects: ClassVar[Any] = ServiceQuerySet.as_manager()

    class Meta(DirectoryRecord.Meta):
        verbose_name = _("service")
        indexes = (models.Index(fields=("health_system", "status"), name="service_directory"),)

    @property
    def is_active(self) -> bool:
        return self.status == ServiceStatus.ACTIVE


class LocationType(models.TextChoices):
    PHYSICAL = "physical", _("A place people can visit")
    POSTAL = "postal", _("A postal address only")
    VIRTUAL = "virtual", _("Online or by phone")


class Location(DirectoryRecord):
    """Where services are offered: a building, a postal address, or online."""

    organization = fk("referrals.Organization", "locations")
    location_type = models.CharField(
        _("kind of location"), max_length=10, choices=LocationType.choices
    )
    url = text()
    name = text(verbose_name=_("name"))
    alternate_name = text()
    description = text()
    transportation = text(verbose_name=_("getting there"))
    latitude = number()
    longitude = number()
    external_identifier = text()
    external_identifier_type = text()

    class Meta(DirectoryRecord.Meta):
        verbose_name = _("location")


class AddressType(models.TextChoices):
    PHYSICAL = "physical", _("Physical")
    POSTAL = "postal", _("Postal")
    VIRTUAL = "virtual", _("Virtual")


class Address(DirectoryRecord):
    location = fk("referrals.Location", "addresses")
    attention = text()
    address_1 = text()
    address_2 = text()
    city = text()
    region = text()
    state_province = text()
    postal_code = text()
    country = text()
    address_type = models.CharField(max_length=10, choices=AddressType.choices)

    def one_line(self) -> str:
        parts = (self.address_1, self.address_2, self.city, self.state_province, self.postal_code)
        return ", ".join(part for part in parts if part)


class ServiceAtLocation(DirectoryRecord):
    """A service as offered at one location: what a referral is sent to."""

    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="service_at_locations"
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="service_at_locations"
    )
    description = text()

    class Meta(DirectoryRecord.Meta):
        verbose_name = _("service at a location")

    def __str__(self) -> str:
        return f"{self.service} @ {self.location}"


class ServiceArea(DirectoryRecord):
    service = fk("referrals.Service", "service_areas")
    name = text()
    description = text()
    extent = text()
    extent_type = text()
    uri = text()


class CostOption(DirectoryRecord):
    service = fk("referrals.Service", "cost_options")
    valid_from = text()
    valid_to = text()
    option = text()
    currency = text()
    amount = number()
    amount_description = text()


class RequiredDocument(DirectoryRecord):
    service = fk("referrals.Service", "required_documents")
    document = text()
    uri = text()


class Accessibility(DirectoryRecord):
    location = fk("referrals.Location", "accessibility")
    description = text()
    details = text()
    url = text()
