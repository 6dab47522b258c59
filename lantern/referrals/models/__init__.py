"""The service directory: HSDS 3.0's objects, one table each, per health system."""

from lantern.referrals.models.base import DirectoryQuerySet, DirectoryRecord
from lantern.referrals.models.contact import Contact, Language, Phone, Schedule
from lantern.referrals.models.directory import (
    Accessibility,
    Address,
    AddressType,
    CostOption,
    Funding,
    Location,
    LocationType,
    Organization,
    OrganizationIdentifier,
    Program,
    RequiredDocument,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceQuerySet,
    ServiceStatus,
)
from lantern.referrals.models.taxonomy import (
    Attribute,
    Metadata,
    MetaTableDescription,
    Taxonomy,
    TaxonomyTerm,
)

__all__ = [
    "Accessibility",
    "Address",
    "AddressType",
    "Attribute",
    "Contact",
    "CostOption",
    "DirectoryQuerySet",
    "DirectoryRecord",
    "Funding",
    "Language",
    "Location",
    "LocationType",
    "MetaTableDescription",
    "Metadata",
    "Organization",
    "OrganizationIdentifier",
    "Phone",
    "Program",
    "RequiredDocument",
    "Schedule",
    "Service",
    "ServiceArea",
    "ServiceAtLocation",
    "ServiceQuerySet",
    "ServiceStatus",
    "Taxonomy",
    "TaxonomyTerm",
]
