"""The demo's directory: the national hotline, and clearly fictional organisations.

The hotline is shipped as an HSDS file (``data/organization-us-national-hotline.json``) and
loaded like any other directory entry, so a clinic outside the United States marks it
inactive and imports its own. The fictional organisations are written here as HSDS
documents with fixed ids (a second ``lantern demo`` replaces them rather than adding
copies) and go through the same all-or-nothing import.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils import timezone

from lantern.accounts.models import HealthSystem
from lantern.referrals import taxonomy as t
from lantern.referrals.hsds import importing

DATA = Path(__file__).resolve().parent / "data"
HOTLINE = DATA / "organization-us-national-hotline.json"
_NAMESPACE = uuid.UUID("6c616e74-6572-6e00-8000-64656d6f6469")
WEEKDAYS = "MO,TU,WE,TH,FR"
EVERY_DAY = "MO,TU,WE,TH,FR,SA,SU"


@dataclass(frozen=True)
class DemoService:
    name: str
    description: str
    terms: tuple[t.LanternTerm, ...]
    days: str
    opens: str
    closes: str
    languages: tuple[str, ...] = ("en", "es")
    ages: tuple[int | None, int | None] = (None, None)
    availability: str = ""


@dataclass(frozen=True)
class DemoOrganization:
    name: str
    city: str
    street: str
    services: tuple[DemoService, ...]


FICTIONAL = (
    DemoOrganization(
        "Harborlight Shelter Network (fictional)",
        "Riverside",
        "12 Example Quay",
        (
            DemoService(
                "Harborlight emergency beds",
                "Safe beds tonight, meals and a private room to talk with an advocate.",
                (
                    t.NEEDS_BY_CODE["emergency-shelter"],
                    t.GENDER_WOMEN,
                    t.GENDER_TRANS_NONBINARY,
                    t.SURVIVOR_SPECIFIC,
                    t.NO_ID_REQUIRED,
                    t.UNDOCUMENTED_WELCOME,
                    t.COST_FREE,
                ),
                EVERY_DAY,
                "00:00",
                "23:59",
                ("en", "es", "pt"),
                (18, None),
                "Two beds free tonight; call before coming.",
            ),
            DemoService(
                "Harborlight transitional housing",
                "Apartments for up to 18 months with a caseworker.",
                (t.NEEDS_BY_CODE["housing"], t.SURVIVOR_SPECIFIC, t.COST_FREE),
                WEEKDAYS,
                "09:00",
                "17:00",
                ages=(18, None),
                availability="Waiting list of about six weeks.",
            ),
        ),
    ),
    DemoOrganization(
        "Riverside Community Legal Aid (fictional)",
        "Riverside",
        "400 Example Avenue",
        (
            DemoService(
                "Free legal advice clinic",
                "Advice on housing, work, debt and family matters.",
                (t.NEEDS_BY_CODE["legal-aid"], t.NO_ID_REQUIRED, t.COST_FREE),
                "TU,TH",
                "10:00",
                "16:00",
            ),
            DemoService(
                "Immigration protection project",
                "Help with protection visas and status for people who were exploited.",
                (
                    t.NEEDS_BY_CODE["immigration-legal"],
                    t.UNDOCUMENTED_WELCOME,
                    t.SURVIVOR_SPECIFIC,
                    t.MINORS_ACCEPTED,
                    t.COST_FREE,
                ),
                WEEKDAYS,
                "09:00",
                "17:00",
                ("en", "es", "ht"),
            ),
        ),
    ),
    DemoOrganization(
        "Eastside Pantry and Closet (fictional)",
        "Eastside",
        "7 Example Lane",
        (
            DemoService(
                "Food pantry",
                "Groceries once a week and hot meals on Saturdays.",
                (t.NEEDS_BY_CODE["food"], t.NO_ID_REQUIRED, t.UNDOCUMENTED_WELCOME, t.COST_FREE),
                "TU,TH,SA",
                "10:00",
                "14:00",
            ),
            DemoService(
                "Clothing closet",
                "Clothes, shoes and toiletries, no questions asked.",
                (t.NEEDS_BY_CODE["clothing"], t.NO_ID_REQUIRED, t.COST_FREE),
                "SA",
                "10:00",
                "14:00",
            ),
        ),
    ),
    DemoOrganization(
        "Lighthouse Counseling Collective (fictional)",
        "Riverside",
        "88 Example Road",
        (
            DemoService(
                "Trauma-focused therapy",
                "Individual therapy with counselors trained in trauma care.",
                (t.NEEDS_BY_CODE["counseling-therapy"], t.LGBTQ_AFFIRMING, t.COST_SLIDING_SCALE),
                WEEKDAYS,
                "08:00",
                "20:00",
                ages=(16, None),
            ),
            DemoService(
                "Wednesday peer circle",
                "A peer-led support group that meets every Wednesday evening.",
                (
                    t.NEEDS_BY_CODE["peer-support"],
                    t.SURVIVOR_SPECIFIC,
                    t.LGBTQ_AFFIRMING,
                    t.COST_FREE,
                ),
                "WE",
                "18:00",
                "20:00",
                ages=(18, None),
            ),
        ),
    ),
    DemoOrganization(
        "Northside Health Center (fictional)",
        "Northside",
        "3 Example Plaza",
        (
            DemoService(
                "Walk-in primary care",
                "Check-ups, injuries, chronic conditions and vaccinations.",
                (
                    t.NEEDS_BY_CODE["medical"],
                    t.MINORS_ACCEPTED,
                    t.NO_ID_REQUIRED,
                    t.COST_SLIDING_SCALE,
                ),
                WEEKDAYS,
                "08:00",
                "18:00",
                ("en", "es", "vi"),
            ),
            DemoService(
                "Sexual health clinic",
                "Contraception, pregnancy tests, STI testing and treatment.",
                (
                    t.NEEDS_BY_CODE["sexual-reproductive-health"],
                    t.MINORS_ACCEPTED,
                    t.LGBTQ_AFFIRMING,
                    t.COST_FREE,
                ),
                "MO,WE,FR",
                "12:00",
                "19:00",
                ages=(12, None),
            ),
            DemoService(
                "Recovery support program",
                "Outpatient treatment and harm reduction, with a 24-hour intake line.",
                (t.NEEDS_BY_CODE["substance-use"], t.COST_SLIDING_SCALE),
                EVERY_DAY,
                "00:00",
                "23:59",
                ages=(18, None),
            ),
        ),
    ),
    DemoOrganization(
        "Bridgeway Access Services (fictional)",
        "Eastside",
        "50 Example Street",
        (
            DemoService(
                "Interpreter line",
                "Professional interpreters by phone for appointments and calls.",
                (t.NEEDS_BY_CODE["interpretation"], t.COST_FREE),
                WEEKDAYS,
                "07:00",
                "22:00",
                ("en", "es", "zh", "ar", "fr", "ru", "tl"),
            ),
            DemoService(
                "Ride assist",
                "Rides and transit passes to medical, legal and housing appointments.",
                (t.NEEDS_BY_CODE["transport"], t.NO_ID_REQUIRED, t.COST_FREE),
                "MO,TU,WE,TH,FR,SA",
                "07:00",
                "19:00",
            ),
        ),
    ),
    DemoOrganization(
        "Example County Protective Services (fictional)",
        "Riverside",
        "1 Example Civic Center",
        (
            DemoService(
                "Child and adult protection line",
                "Reports about children and vulnerable adults, answered at any hour.",
                (
                    t.NEEDS_BY_CODE["protective-services"],
                    t.NEEDS_BY_CODE["hotlines"],
                    t.MINORS_ACCEPTED,
                    t.COST_FREE,
                ),
                EVERY_DAY,
                "00:00",
                "23:59",
            ),
        ),
    ),
    DemoOrganization(
        "Youth Haven Drop-in (fictional)",
        "Northside",
        "21 Example Court",
        (
            DemoService(
                "Youth drop-in and overnight beds",
                "Showers, meals and overnight beds for young people aged 12 to 24.",
                (
                    t.NEEDS_BY_CODE["emergency-shelter"],
                    t.NEEDS_BY_CODE["food"],
                    t.MINORS_ACCEPTED,
                    t.LGBTQ_AFFIRMING,
                    t.NO_ID_REQUIRED,
                    t.COST_FREE,
                ),
                EVERY_DAY,
                "18:00",
                "08:00",
                ages=(12, 24),
                availability="Beds usually free on weeknights.",
            ),
        ),
    ),
)


def _id(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


def _service(org: DemoOrganization, index: int, spec: DemoService, place: str) -> dict[str, Any]:
    sid = _id(org.name, spec.name)
    attributes: list[dict[str, Any]] = [
        {"id": _id(sid, term.code), "link_id": sid, "link_entity": "service",
         "taxonomy_term_id": str(term.id), "value": "true"}
        for term in spec.terms
    ]  # fmt: skip
    if spec.availability:
        note_id = _id(sid, "availability")
        attributes.append({
            "id": note_id, "link_id": sid, "link_entity": "service",
            "taxonomy_term_id": str(t.AVAILABILITY.id), "value": spec.availability,
            "metadata": [{
                "id": _id(note_id, "updated"), "resource_id": note_id,
                "resource_type": "attribute", "field_name": "value",
                "last_action_date": timezone.now().isoformat(timespec="seconds"),
                "last_action_type": "update", "previous_value": "",
                "replacement_value": spec.availability, "updated_by": "Lantern demo",
            }],
        })  # fmt: skip
    low, high = spec.ages
    service: dict[str, Any] = {
        "id": sid,
        "name": spec.name,
        "description": spec.description,
        "status": "active",
        "phones": [{"id": _id(sid, "phone"), "number": f"555-01{10 + index:02d}", "type": "voice"}],
        "schedules": [{
            "id": _id(sid, "hours"), "freq": "WEEKLY", "wkst": "MO", "interval": 1,
            "byday": spec.days, "opens_at": spec.opens, "closes_at": spec.closes,
        }],
        "service_areas": [{"id": _id(sid, "area"), "name": f"{org.city} and Example County"}],
        "languages": [{"id": _id(sid, code), "code": code} for code in spec.languages],
        "attributes": attributes,
        "service_at_locations": [{"id": _id(sid, "at", place), "location_id": place}],
    }  # fmt: skip
    service.update(
        {k: v for k, v in (("minimum_age", low), ("maximum_age", high)) if v is not None}
    )
    return service


def _organization(org: DemoOrganization, first_phone: int) -> dict[str, Any]:
    oid, place = _id(org.name), _id(org.name, "office")
    document: dict[str, Any] = {
        "id": oid,
        "name": org.name,
        "description": "A fictional organisation in Lantern's demo directory.",
        "website": "https://example.org",
        "locations": [{
            "id": place, "location_type": "physical", "name": "Main office",
            "addresses": [{
                "id": _id(place, "address"), "address_1": org.street, "city": org.city,
                "state_province": "CA", "postal_code": "90000", "country": "US",
                "address_type": "physical",
            }],
        }],
        "services": [
            _service(org, first_phone + n, spec, place) for n, spec in enumerate(org.services)
        ],
    }  # fmt: skip
    return document


def demo_documents() -> list[dict[str, Any]]:
    documents, phone = [], 0
    for org in FICTIONAL:
        documents.append(_organization(org, phone))
        phone += len(org.services)
    return documents


def demo_directory_load(health_system: HealthSystem) -> importing.ImportResult:
    """Load (or refresh) the hotline and the fictional organisations into a directory."""
    return importing.directory_import(
        health_system=health_system,
        paths=[HOTLINE],
        documents=[("organization", document) for document in demo_documents()],
    )
