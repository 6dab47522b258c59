"""The chart permission table, role by role and section by section, read off the real pages.

For each care role and each part of the chart: the pages that show that part show it to a
role the table lets see it, and to any other role they show nothing of it; the part's own
addresses (a page, or a form that writes to it) answer 404 with a denied entry. A clinic's
grant opens examination findings, injuries, photographs and diagnosis codes to advocates or
counselors of that clinic only.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse
from PIL import Image

from lantern.accounts.chart_access import (
    GRANTABLE,
    ROLE_SECTIONS,
    Section,
    chart_sections,
)
from lantern.accounts.models import CareTeamMember, ChartGrant, Role
from lantern.audit.models import AuditEvent
from lantern.encounters import services as visits
from lantern.patients import services as patients
from lantern.screening import instruments
from lantern.screening import services as screening
from tests.clients import stepped_up
from tests.factories import ClinicFactory, UserFactory

CARE_ROLES = (Role.CLINICIAN, Role.ADVOCATE, Role.COUNSELOR)


@dataclass
class Chart:
    """A patient with something recorded in every part of the chart."""

    patient_id: Any
    visit_id: int
    session_id: int
    result_id: int
    injury_id: int
    photo_id: int


def _consent(personas, visit, scope, recipient=""):
    visits.consent_record(
        actor=personas.clinician,
        patient=personas.patient,
        encounter=visit,
        scope=scope,
        status="given",
        method="verbal",
        recipient=recipient,
    )


def _indicators():
    checklist = instruments.get_instrument("lantern-indicators")
    items = [item for item in checklist.items if item.answerable]
    return {i.link_id: "yes" if i.link_id == "ind-companion-speaks" else "no" for i in items}


@pytest.fixture
def chart(personas) -> Chart:
    clinician, patient = personas.clinician, personas.patient
    visit = visits.encounter_start(
        actor=clinician,
        patient=patient,
        clinic=personas.clinic,
        kind="clinic",
        companion="came_alone",
        interpreter="not_needed",
    )
    for scope in ("general_exam", "photographs", "disclose_primary_care"):
        _consent(personas, visit, scope)
    visits.exam_step_record(
        actor=clinician,
        encounter=visit,
        step="general_exam",
        status="done",
        told_can_stop=True,
        note="Exam note: tender left wrist",
    )
    injury = visits.injury_record(
        actor=clinician,
        encounter=visit,
        side="front",
        region="left_arm",
        kind="bruise",
        healing="fresh",
        note="Injury note: fingertip bruises",
    )
    picture = io.BytesIO()
    Image.new("RGB", (8, 8)).save(picture, format="PNG")
    photo = visits.photo_store(actor=clinician, injury=injury, data=picture.getvalue())
    visits.disclosure_create(
        actor=clinician,
        patient=patient,
        encounter=visit,
        kind="primary_care",
        recipient="Bayview Family Practice",
        basis="consent",
        shared="Visit summary",
    )
    visits.encounter_update(
        actor=clinician, encounter=visit, patient_instructions="Take-home: rest the wrist"
    )
    session = screening.screening_start(
        actor=clinician,
        patient=patient,
        instrument_ids=["lantern-indicators"],
        language="en",
        mode="clinician",
    )
    screening.privacy_record(
        actor=clinician, session=session, method="came_alone", interpretation="not_needed"
    )
    result = screening.result_record(
        actor=clinician,
        session=session,
        instrument_id="lantern-indicators",
        answers=_indicators(),
    )
    patients.contact_plan_update(
        actor=clinician,
        patient=patient,
        do_not_contact=False,
        notes="Contact plan: call the shelter first",
        confirmed_at=None,
    )
    return Chart(patient.pk, visit.pk, session.pk, result.pk, injury.pk, photo.pk)


def on_care_team(personas, role):
    if role == Role.CLINICIAN:
        return personas.clinician
    member = UserFactory(role=role, clinics=[personas.clinic])
    CareTeamMember.objects.create(patient=personas.patient, user=member)
    return member


def page(client, name, *args):
    response = client.get(reverse(name, args=args))
    return response.status_code, response.content.decode()


# Section -> (the page it appears on, what shows it there, its own addresses).
def _visit(c: Chart):
    return ("encounters:visit", c.patient_id, c.visit_id)


def _session(c: Chart):
    return ("screening:session", c.patient_id, c.session_id)


def _detail(c: Chart):
    return ("patients:detail", c.patient_id)


SHOWN_ON = {
    Section.VISIT_DETAILS: (_visit, 'id="details-heading"'),
    Section.CONSENTS: (_visit, 'id="consent-heading"'),
    Section.EXAM_FINDINGS: (_visit, "Exam note: tender left wrist"),
    Section.INJURIES: (_visit, "Injury note: fingertip bruises"),
    Section.PHOTOGRAPHS: (_visit, "/photos/"),
    Section.DISCLOSURES: (_visit, "Bayview Family Practice"),
    Section.TAKE_HOME: (_visit, 'id="take-home-heading"'),
    Section.DIAGNOSIS_CODES: (_session, 'value="T76.51"'),
    Section.SCREENING_RESULTS: (_detail, 'id="screening-heading"'),
    Section.CONTACT_PLAN: (_detail, "Contact plan: call the shelter first"),
    Section.REFERRALS: (_detail, 'id="referrals-heading"'),
    Section.CARE_PLAN: (_detail, 'id="care-plan-heading"'),
}

# Each section's own addresses: GET a page of it, or POST to a form that writes to it.
OWN_ADDRESSES = {
    Section.VISIT_DETAILS: lambda c: [("get", "encounters:visit_edit", c.patient_id, c.visit_id)],
    Section.CONSENTS: lambda c: [("post", "encounters:consent_add", c.patient_id, c.visit_id)],
    Section.EXAM_FINDINGS: lambda c: [
        ("post", "encounters:exam_step_add", c.patient_id, c.visit_id),
        ("post", "encounters:follow_up", c.patient_id, c.visit_id),
    ],
    Section.INJURIES: lambda c: [("post", "encounters:injury_add", c.patient_id, c.visit_id)],
    Section.PHOTOGRAPHS: lambda c: [
        ("get", "encounters:photos", c.patient_id, c.visit_id),
        ("get", "encounters:photo", c.patient_id, c.visit_id, c.photo_id),
        ("post", "encounters:photo_upload", c.patient_id, c.visit_id, c.injury_id),
    ],
    Section.DISCLOSURES: lambda c: [
        ("post", "encounters:disclosure_add", c.patient_id, c.visit_id)
    ],
    Section.TAKE_HOME: lambda c: [
        ("get", "encounters:summary", c.patient_id, c.visit_id),
        ("post", "encounters:instructions", c.patient_id, c.visit_id),
    ],
    Section.DIAGNOSIS_CODES: lambda c: [
        ("post", "screening:decide_code", c.patient_id, c.result_id)
    ],
    Section.SCREENING_RESULTS: lambda c: [("get", "screening:session", c.patient_id, c.session_id)],
    Section.CONTACT_PLAN: lambda c: [("get", "patients:contact_plan", c.patient_id)],
    Section.REFERRALS: lambda c: [("get", "referrals:referral_start", c.patient_id)],
    Section.CARE_PLAN: lambda c: [("get", "careplans:plan", c.patient_id)],
}

NOT_YET_ON_A_PAGE: set[Section] = set()


def test_every_section_is_checked_on_a_page_or_waits_for_one():
    assert set(SHOWN_ON) | NOT_YET_ON_A_PAGE == set(Section)
    assert set(OWN_ADDRESSES) == set(SHOWN_ON)


def test_the_table_keeps_exam_photos_and_codes_from_advocates_and_counselors():
    for role in (Role.ADVOCATE, Role.COUNSELOR):
        assert not GRANTABLE & ROLE_SECTIONS[role]
    assert ROLE_SECTIONS[Role.CLINICIAN] == frozenset(Section)
    for role in (Role.PROGRAM_MANAGER, Role.PRIVACY_OFFICER, Role.ADMINISTRATOR):
        assert role not in ROLE_SECTIONS


CELLS = [(role, section) for role in CARE_ROLES for section in SHOWN_ON]


def _check(personas, chart, member, section, expected):
    name_and_args = SHOWN_ON[section][0](chart)
    client = stepped_up(member)
    status, content = page(client, *name_and_args)
    assert status == 200
    marker = SHOWN_ON[section][1]
    assert (marker in content) is expected, f"{member.role} {section}: shown={not expected}"
    for method, name, *args in OWN_ADDRESSES[section](chart):
        denied = AuditEvent.objects.filter(actor=member, outcome="denied").count()
        response = getattr(client, method)(reverse(name, args=args))
        if expected:
            assert response.status_code in (200, 302), f"{method} {name}"
        else:
            assert response.status_code == 404, f"{method} {name}: {response.status_code}"
            assert AuditEvent.objects.filter(actor=member, outcome="denied").count() > denied


@pytest.mark.parametrize(("role", "section"), CELLS, ids=[f"{r}-{s}" for r, s in CELLS])
def test_each_role_sees_exactly_the_sections_the_table_gives_it(personas, chart, role, section):
    member = on_care_team(personas, role)
    _check(personas, chart, member, section, section in ROLE_SECTIONS[role])


GRANT_CELLS = [
    (role, section) for role in (Role.ADVOCATE, Role.COUNSELOR) for section in sorted(GRANTABLE)
]


@pytest.mark.parametrize(("role", "section"), GRANT_CELLS, ids=[f"{r}-{s}" for r, s in GRANT_CELLS])
def test_a_clinic_grant_opens_a_section_to_that_role_there(personas, chart, role, section):
    member = on_care_team(personas, role)
    ChartGrant.objects.create(clinic=personas.clinic, role=role, section=section)
    _check(personas, chart, member, section, True)


def test_a_grant_of_another_clinic_or_role_opens_nothing(personas, chart):
    advocate = on_care_team(personas, Role.ADVOCATE)
    elsewhere = ClinicFactory(health_system=personas.clinic.health_system)
    advocate.clinics.add(elsewhere)
    ChartGrant.objects.create(clinic=elsewhere, role=Role.ADVOCATE, section="exam_findings")
    ChartGrant.objects.create(clinic=personas.clinic, role=Role.COUNSELOR, section="injuries")
    sections = chart_sections(advocate, personas.patient)
    assert Section.EXAM_FINDINGS not in sections
    assert Section.INJURIES not in sections
    _check(personas, chart, advocate, Section.EXAM_FINDINGS, False)


def test_a_grant_cannot_open_more_than_the_grantable_sections(personas):
    advocate = on_care_team(personas, Role.ADVOCATE)
    ChartGrant.objects.create(clinic=personas.clinic, role=Role.ADVOCATE, section="exam_findings")
    # A row for a section outside GRANTABLE (written by hand) is ignored.
    ChartGrant.objects.create(clinic=personas.clinic, role=Role.COUNSELOR, section="disclosures")
    counselor = on_care_team(personas, Role.COUNSELOR)
    assert Section.EXAM_FINDINGS in chart_sections(advocate, personas.patient)
    assert Section.DISCLOSURES not in chart_sections(counselor, personas.patient)
