"""Lantern's own vocabularies for the directory: needs, and service attributes.

Both are HSDS taxonomies with fixed identifiers, so a directory exported by one Lantern and
imported by another (or by any HSDS tool) keeps its meaning. The identifiers are written
out here, never computed, and must never change: referrals, searches and other systems
hold on to them. Names are stored in English in the database (and so in HSDS exports);
screens show the translated ``label``.

Needs are what a person may need help with. Service attributes describe who a service is
for (gender, minors, documents, survivors, LGBTQ+ people), what it costs, and the
availability note staff keep up to date.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class LanternTaxonomy:
    id: UUID
    name: str
    description: str
    version: str = "1"


@dataclass(frozen=True)
class LanternTerm:
    id: UUID
    code: str
    name: str
    label: Promise
    description: str
    taxonomy: LanternTaxonomy
    parent: UUID | None = None


NEEDS_TAXONOMY = LanternTaxonomy(
    UUID("2368abef-1327-5630-8a5b-828aa278be7d"),
    "Lantern needs",
    "What a person may need help with, as Lantern's directory search offers it.",
)
ATTRIBUTES_TAXONOMY = LanternTaxonomy(
    UUID("78edd417-2ffd-50e0-bb25-045e7e73dc53"),
    "Lantern service attributes",
    "Who a service is for, what it costs, and how available it is, as Lantern records it.",
)


def _need(uid: str, code: str, name: str, label: Promise, description: str) -> LanternTerm:
    return LanternTerm(UUID(uid), code, name, label, description, NEEDS_TAXONOMY)


def _attribute(
    uid: str, code: str, name: str, label: Promise, description: str, parent: UUID | None = None
) -> LanternTerm:
    return LanternTerm(UUID(uid), code, name, label, description, ATTRIBUTES_TAXONOMY, parent)


NEEDS: tuple[LanternTerm, ...] = (
    _need(
        "6e8ad92f-c63a-54a7-ac33-848e738a88cf",
        "emergency-shelter",
        "Emergency shelter",
        _("Emergency shelter"),
        "A safe place to stay tonight or for a few nights.",
    ),
    _need(
        "d6d02c3a-ef99-501c-ae8f-1d01542d4365",
        "housing",
        "Housing",
        _("Housing"),
        "Transitional or longer-term housing and help to find it.",
    ),
    _need(
        "8d3e2edd-2e4a-585f-8a27-4b1a7be79917",
        "food",
        "Food",
        _("Food"),
        "Meals, food banks and groceries.",
    ),
    _need(
        "3ea50d7b-5d21-5498-952b-c733cda7f58c",
        "clothing",
        "Clothing",
        _("Clothing"),
        "Clothes, shoes and personal care items.",
    ),
    _need(
        "0f36f8cd-3e20-5c76-ad1f-ea41a142a462",
        "legal-aid",
        "Legal aid",
        _("Legal aid"),
        "Free or low-cost legal advice and representation.",
    ),
    _need(
        "c39f59fc-ffa6-500c-839c-8dbfee6f9818",
        "immigration-legal",
        "Immigration legal services",
        _("Immigration legal services"),
        "Advice and representation on immigration status and protection.",
    ),
    _need(
        "cd52ec10-b714-5ff8-8386-4eef33dbf7e1",
        "medical",
        "Medical care",
        _("Medical care"),
        "Primary, urgent and specialist health care.",
    ),
    _need(
        "28a8c4a8-995f-51b7-aaaa-53249bf6a11a",
        "sexual-reproductive-health",
        "Sexual and reproductive health",
        _("Sexual and reproductive health"),
        "Contraception, pregnancy care, STI testing and treatment.",
    ),
    _need(
        "39807271-a7de-5e15-bfd0-6a32e13d23d9",
        "counseling-therapy",
        "Counseling and therapy",
        _("Counseling and therapy"),
        "Talking therapies and mental health care.",
    ),
    _need(
        "5ade00b8-b0b1-5a2e-8ab4-54402eacc5dd",
        "peer-support",
        "Peer and support groups",
        _("Peer and support groups"),
        "Groups led by peers or facilitators.",
    ),
    _need(
        "9944c18c-51a6-5780-95ae-842f6239af48",
        "substance-use",
        "Substance use",
        _("Substance use"),
        "Treatment, harm reduction and recovery support.",
    ),
    _need(
        "d42233ac-7a1e-562c-b620-4582a9922c72",
        "interpretation",
        "Interpretation",
        _("Interpretation"),
        "Professional interpreters and translation.",
    ),
    _need(
        "909af36c-b156-5a00-847b-3fd6d538394b",
        "transport",
        "Transport",
        _("Transport"),
        "Rides, fares and travel to appointments.",
    ),
    _need(
        "1ab2816e-f728-5bf1-87b7-0610c7e889ea",
        "hotlines",
        "Hotlines",
        _("Hotlines"),
        "Telephone and text lines for help at any hour.",
    ),
    _need(
        "3c0cd238-7960-545d-afd4-63986d3698cf",
        "protective-services",
        "Child and adult protective services",
        _("Child and adult protective services"),
        "Agencies that protect children and vulnerable adults.",
    ),
)

GENDER_SERVED = _attribute(
    "e9a2fb65-7a8a-5a1e-b690-db2fac069584",
    "gender-served",
    "Gender served",
    _("Gender served"),
    "Set only when a service is limited to some genders; no term means every gender.",
)
GENDER_WOMEN = _attribute(
    "2f213d93-56ba-5a3f-a8a6-4966cff06cf0",
    "gender-women",
    "Serves women",
    _("Women"),
    "The service accepts women.",
    GENDER_SERVED.id,
)
GENDER_MEN = _attribute(
    "d1adcf71-6224-5626-8d77-dce263170ea0",
    "gender-men",
    "Serves men",
    _("Men"),
    "The service accepts men.",
    GENDER_SERVED.id,
)
GENDER_TRANS_NONBINARY = _attribute(
    "720a77d7-8bbf-5e06-bb24-c614e6322204",
    "gender-trans-nonbinary",
    "Serves transgender and non-binary people",
    _("Transgender and non-binary people"),
    "The service accepts transgender and non-binary people.",
    GENDER_SERVED.id,
)
MINORS_ACCEPTED = _attribute(
    "b0ad3c78-b14c-515f-9607-d88038a12a10",
    "minors-accepted",
    "Accepts minors",
    _("Accepts minors"),
    "People under 18 can be helped, with or without a parent or guardian.",
)
LGBTQ_AFFIRMING = _attribute(
    "d04a7b60-cb02-5e20-99ed-db91650380d6",
    "lgbtq-affirming",
    "LGBTQ+ affirming",
    _("LGBTQ+ affirming"),
    "The service welcomes and affirms LGBTQ+ people.",
)
NO_ID_REQUIRED = _attribute(
    "d1448712-9bea-5f5e-9140-1842ec9ad013",
    "no-id-required",
    "No ID required",
    _("No ID required"),
    "Nobody is turned away for lack of identity documents.",
)
UNDOCUMENTED_WELCOME = _attribute(
    "237548bf-49ec-5071-a65a-07cb1a8cd6dd",
    "undocumented-welcome",
    "Undocumented people welcome",
    _("Undocumented people welcome"),
    "Immigration status is not asked or does not matter.",
)
SURVIVOR_SPECIFIC = _attribute(
    "f2fc874b-ea71-54c8-8b80-a5c6afc43808",
    "survivor-specific",
    "For survivors",
    _("For survivors"),
    "The service is meant for survivors of exploitation or violence.",
)
COST = _attribute(
    "b2d7af2b-a66b-5585-97ca-107816e145ee",
    "cost",
    "Cost",
    _("Cost"),
    "What the service costs the person.",
)
COST_FREE = _attribute(
    "c5af6c3d-269c-5595-b728-f88774e80f0b",
    "cost-free",
    "Free",
    _("Free"),
    "No charge to the person.",
    COST.id,
)
COST_SLIDING_SCALE = _attribute(
    "a9cd9e57-232b-5b1d-9986-5b1f548d66d0",
    "cost-sliding-scale",
    "Sliding scale",
    _("Sliding scale"),
    "The charge depends on income; it may be nothing.",
    COST.id,
)
COST_FEE = _attribute(
    "19c176b5-41dc-5c6b-926f-026bb05c18dd",
    "cost-fee",
    "Fee",
    _("Fee"),
    "The person or their insurance pays a fee.",
    COST.id,
)
AVAILABILITY = _attribute(
    "f9b298ec-6fd7-541c-ab98-b719c6ec2238",
    "availability",
    "Availability note",
    _("Availability"),
    "What staff last heard about capacity (the value); when, in the attribute's metadata.",
)

GENDERS: tuple[LanternTerm, ...] = (GENDER_WOMEN, GENDER_MEN, GENDER_TRANS_NONBINARY)
COSTS: tuple[LanternTerm, ...] = (COST_FREE, COST_SLIDING_SCALE, COST_FEE)
# Yes/no eligibility facts, in the order screens list them.
FLAGS: tuple[LanternTerm, ...] = (
    MINORS_ACCEPTED,
    NO_ID_REQUIRED,
    UNDOCUMENTED_WELCOME,
    SURVIVOR_SPECIFIC,
    LGBTQ_AFFIRMING,
)
ATTRIBUTES: tuple[LanternTerm, ...] = (
    GENDER_SERVED,
    *GENDERS,
    *FLAGS,
    COST,
    *COSTS,
    AVAILABILITY,
)
TAXONOMIES: tuple[LanternTaxonomy, ...] = (NEEDS_TAXONOMY, ATTRIBUTES_TAXONOMY)
TERMS: tuple[LanternTerm, ...] = (*NEEDS, *ATTRIBUTES)
BY_ID: dict[UUID, LanternTerm] = {term.id: term for term in TERMS}
NEEDS_BY_CODE: dict[str, LanternTerm] = {term.code: term for term in NEEDS}
LANTERN_TAXONOMY_IDS = frozenset(taxonomy.id for taxonomy in TAXONOMIES)


def label_for(term_id: UUID) -> str:
    """The translated on-screen label of one of Lantern's terms."""
    return str(BY_ID[term_id].label)
