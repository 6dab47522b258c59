"""HSDS 3.0's objects as Lantern stores them: fields, links, and what nests inside what.

One ``ObjectType`` per HSDS table. ``scalars`` are stored in model fields of the same name;
``links`` are HSDS ``<table>_id`` fields stored as foreign keys; ``soft_links`` are kept as
plain identifiers (HSDS data may name records that are not in the directory). ``children``
are the arrays nested in the compiled ("full") form, each naming the field on the child
that points back at the parent; ``nested`` are single objects the parent points at (a
service's organisation, a service-at-location's location). ``tests/referrals`` checks this
table against every property of the vendored schemas.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models

from lantern.referrals import models as directory


@dataclass(frozen=True)
class Link:
    field: str  # the HSDS field, e.g. "organization_id"
    target: str  # the HSDS table it points at
    attr: str  # the model's foreign key

    @property
    def column(self) -> str:
        return f"{self.attr}_id"


@dataclass(frozen=True)
class Child:
    key: str  # the array in the parent, e.g. "phones"
    type: str  # the child's table
    back: str  # the child's field that names the parent ("service_id", "link_id", ...)


@dataclass(frozen=True)
class Nested:
    key: str  # the object in the parent, e.g. "organization"
    type: str
    field: str  # the parent's field that names it, e.g. "organization_id"


@dataclass(frozen=True)
class ObjectType:
    name: str
    plural: str  # HSDS's tabular name (``<plural>.csv``): folders of per-object files
    model: type[models.Model]
    scalars: tuple[str, ...]
    numbers: frozenset[str] = frozenset()
    links: tuple[Link, ...] = ()
    soft_links: tuple[str, ...] = ()
    children: tuple[Child, ...] = ()
    nested: tuple[Nested, ...] = ()
    # Attribute and metadata point at any record through (id field, table field).
    polymorphic: tuple[str, str] | None = None
    # Lantern needs these links to resolve: a service without its organisation is refused.
    required_links: tuple[str, ...] = ()
    # At least one of these must name a parent: a phone linked to nothing is refused.
    one_parent_of: tuple[str, ...] = field(default=())

    def link(self, name: str) -> Link:
        return next(link for link in self.links if link.field == name)


def _link(name: str, target: str, attr: str | None = None) -> Link:
    return Link(name, target, attr or name.removesuffix("_id"))


def _common(parent: str, *, attributes: bool = True) -> tuple[Child, ...]:
    meta = Child("metadata", "metadata", "resource_id")
    return (Child("attributes", "attribute", "link_id"), meta) if attributes else (meta,)


def _children(parent: str, *pairs: tuple[str, str]) -> tuple[Child, ...]:
    back = f"{parent}_id"
    return (*(Child(key, type_, back) for key, type_ in pairs), *_common(parent))


TYPES: tuple[ObjectType, ...] = (
    ObjectType(
        "taxonomy",
        "taxonomies",
        directory.Taxonomy,
        ("name", "description", "uri", "version"),
        children=_common("taxonomy", attributes=False),
    ),
    ObjectType(
        "taxonomy_term",
        "taxonomy_terms",
        directory.TaxonomyTerm,
        ("code", "name", "description", "taxonomy", "language", "term_uri"),
        links=(_link("taxonomy_id", "taxonomy", "taxonomy_detail"),),
        soft_links=("parent_id",),
        children=_common("taxonomy_term", attributes=False),
        nested=(Nested("taxonomy_detail", "taxonomy", "taxonomy_id"),),
    ),
    ObjectType(
        "organization",
        "organizations",
        directory.Organization,
        (
            "name",
            "alternate_name",
            "description",
            "email",
            "website",
            "tax_status",
            "tax_id",
            "year_incorporated",
            "legal_status",
            "logo",
            "uri",
        ),
        numbers=frozenset({"year_incorporated"}),
        soft_links=("parent_organization_id",),
        children=_children(
            "organization",
            ("funding", "funding"),
            ("contacts", "contact"),
            ("phones", "phone"),
            ("locations", "location"),
            ("programs", "program"),
            ("organization_identifiers", "organization_identifier"),
            ("services", "service"),
        ),
    ),
    ObjectType(
        "program",
        "programs",
        directory.Program,
        ("name", "alternate_name", "description"),
        links=(_link("organization_id", "organization"),),
        children=_common("program"),
    ),
    ObjectType(
        "organization_identifier",
        "organization_identifiers",
        directory.OrganizationIdentifier,
        ("identifier_scheme", "identifier_type", "identifier"),
        links=(_link("organization_id", "organization"),),
        children=_common("organization_identifier"),
        one_parent_of=("organization_id",),
    ),
    ObjectType(
        "service",
        "services",
        directory.Service,
        (
            "name",
            "alternate_name",
            "description",
            "url",
            "email",
            "status",
            "interpretation_services",
            "application_process",
            "fees_description",
            "wait_time",
            "fees",
            "accreditations",
            "eligibility_description",
            "minimum_age",
            "maximum_age",
            "assured_date",
            "assurer_email",
            "licenses",
            "alert",
            "last_modified",
        ),
        numbers=frozenset({"minimum_age", "maximum_age"}),
        links=(_link("organization_id", "organization"), _link("program_id", "program")),
        children=_children(
            "service",
            ("phones", "phone"),
            ("schedules", "schedule"),
            ("service_areas", "service_area"),
            ("service_at_locations", "service_at_location"),
            ("languages", "language"),
            ("funding", "funding"),
            ("cost_options", "cost_option"),
            ("required_documents", "required_document"),
            ("contacts", "contact"),
        ),
        nested=(
            Nested("organization", "organization", "organization_id"),
            Nested("program", "program", "program_id"),
        ),
        required_links=("organization_id",),
    ),
    ObjectType(
        "location",
        "locations",
        directory.Location,
        (
            "location_type",
            "url",
            "name",
            "alternate_name",
            "description",
            "transportation",
            "latitude",
            "longitude",
            "external_identifier",
            "external_identifier_type",
        ),
        numbers=frozenset({"latitude", "longitude"}),
        links=(_link("organization_id", "organization"),),
        children=_children(
            "location",
            ("languages", "language"),
            ("addresses", "address"),
            ("contacts", "contact"),
            ("accessibility", "accessibility"),
            ("phones", "phone"),
            ("schedules", "schedule"),
        ),
    ),
    ObjectType(
        "address",
        "addresses",
        directory.Address,
        (
            "attention",
            "address_1",
            "address_2",
            "city",
            "region",
            "state_province",
            "postal_code",
            "country",
            "address_type",
        ),
        links=(_link("location_id", "location"),),
        children=_common("address"),
        one_parent_of=("location_id",),
    ),
    ObjectType(
        "accessibility",
        "accessibility",
        directory.Accessibility,
        ("description", "details", "url"),
        links=(_link("location_id", "location"),),
        children=_common("accessibility"),
        one_parent_of=("location_id",),
    ),
    ObjectType(
        "service_at_location",
        "service_at_location",  # HSDS's own table name, singular
        directory.ServiceAtLocation,
        ("description",),
        links=(_link("service_id", "service"), _link("location_id", "location")),
        children=_children(
            "service_at_location",
            ("contacts", "contact"),
            ("phones", "phone"),
            ("schedules", "schedule"),
        ),
        nested=(
            Nested("location", "location", "location_id"),
            Nested("service", "service", "service_id"),
        ),
        required_links=("service_id", "location_id"),
    ),
    ObjectType(
        "service_area",
        "service_areas",
        directory.ServiceArea,
        ("name", "description", "extent", "extent_type", "uri"),
        links=(_link("service_id", "service"),),
        children=_common("service_area"),
        one_parent_of=("service_id",),
    ),
    ObjectType(
        "cost_option",
        "cost_options",
        directory.CostOption,
        ("valid_from", "valid_to", "option", "currency", "amount", "amount_description"),
        numbers=frozenset({"amount"}),
        links=(_link("service_id", "service"),),
        children=_common("cost_option"),
        one_parent_of=("service_id",),
    ),
    ObjectType(
        "required_document",
        "required_documents",
        directory.RequiredDocument,
        ("document", "uri"),
        links=(_link("service_id", "service"),),
        children=_common("required_document"),
        one_parent_of=("service_id",),
    ),
    ObjectType(
        "funding",
        "funding",
        directory.Funding,
        ("source",),
        links=(_link("organization_id", "organization"), _link("service_id", "service")),
        children=_common("funding"),
        one_parent_of=("organization_id", "service_id"),
    ),
    ObjectType(
        "contact",
        "contacts",
        directory.Contact,
        ("name", "title", "department", "email"),
        links=(
            _link("organization_id", "organization"),
            _link("service_id", "service"),
            _link("service_at_location_id", "service_at_location"),
            _link("location_id", "location"),
        ),
        children=_children("contact", ("phones", "phone")),
        one_parent_of=("organization_id", "service_id", "service_at_location_id", "location_id"),
    ),
    ObjectType(
        "phone",
        "phones",
        directory.Phone,
        ("number", "extension", "type", "description"),
        numbers=frozenset({"extension"}),
        links=(
            _link("location_id", "location"),
            _link("service_id", "service"),
            _link("organization_id", "organization"),
            _link("contact_id", "contact"),
            _link("service_at_location_id", "service_at_location"),
        ),
        children=_children("phone", ("languages", "language")),
        one_parent_of=(
            "location_id",
            "service_id",
            "organization_id",
            "contact_id",
            "service_at_location_id",
        ),
    ),
    ObjectType(
        "language",
        "languages",
        directory.Language,
        ("name", "code", "note"),
        links=(
            _link("service_id", "service"),
            _link("location_id", "location"),
            _link("phone_id", "phone"),
        ),
        children=_common("language"),
        one_parent_of=("service_id", "location_id", "phone_id"),
    ),
    ObjectType(
        "schedule",
        "schedules",
        directory.Schedule,
        (
            "valid_from",
            "valid_to",
            "dtstart",
            "timezone",
            "until",
            "count",
            "wkst",
            "freq",
            "interval",
            "byday",
            "byweekno",
            "bymonthday",
            "byyearday",
            "description",
            "opens_at",
            "closes_at",
            "schedule_link",
            "attending_type",
            "notes",
        ),
        numbers=frozenset({"timezone", "count", "interval"}),
        links=(
            _link("service_id", "service"),
            _link("location_id", "location"),
            _link("service_at_location_id", "service_at_location"),
        ),
        children=_common("schedule"),
        one_parent_of=("service_id", "location_id", "service_at_location_id"),
    ),
    ObjectType(
        "attribute",
        "attributes",
        directory.Attribute,
        ("link_type", "link_entity", "value"),
        links=(_link("taxonomy_term_id", "taxonomy_term"),),
        children=(Child("metadata", "metadata", "resource_id"),),
        nested=(Nested("taxonomy_term", "taxonomy_term", "taxonomy_term_id"),),
        polymorphic=("link_id", "link_entity"),
        required_links=("taxonomy_term_id",),
    ),
    ObjectType(
        "metadata",
        "metadata",
        directory.Metadata,
        (
            "resource_type",
            "last_action_date",
            "last_action_type",
            "field_name",
            "previous_value",
            "replacement_value",
            "updated_by",
        ),
        polymorphic=("resource_id", "resource_type"),
    ),
    ObjectType(
        "meta_table_description",
        "meta_table_descriptions",
        directory.MetaTableDescription,
        ("name", "language", "character_set"),
        children=_common("meta_table_description"),
    ),
)

BY_NAME: dict[str, ObjectType] = {kind.name: kind for kind in TYPES}
BY_PLURAL: dict[str, ObjectType] = {kind.plural: kind for kind in TYPES}
# The order records are written in: every link points at something written before it.
WRITE_ORDER: tuple[str, ...] = tuple(kind.name for kind in TYPES)
# Lantern's shared vocabularies may live outside any one directory.
SHARED = frozenset({"taxonomy", "taxonomy_term"})
