"""Each role's start page shows the work waiting for them, audits the patients it names,
keeps slots for work not yet in Lantern, and takes the same number of queries whatever the
amount of work."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lantern.accounts.models import CareTeamMember, Role
from lantern.audit.models import AuditEvent, Outcome
from lantern.audit.services import audit_record
from lantern.careplans import services as careplans
from lantern.encounters import services as visits
from lantern.patients import emergency
from lantern.referrals import referring, taxonomy
from lantern.referrals.models import Referral
from lantern.screening import services as screening
from lantern.training.models import Attestation
from tests.factories import UserFactory, make_patient
from tests.referrals.factories import make_service

PHQ9_POSITIVE = {f"phq9-{n}": "nearly_every_day" for n in range(1, 9)} | {"phq9-9": "several_days"}


@pytest.fixture
def counselor(personas):
    return UserFactory(username="counselor", role=Role.COUNSELOR, clinics=[personas.clinic])


def add_work(personas, counselor, name="Rosa Delgado", patient=None):
    """A patient with a visit today, a positive PHQ-9 with a suicide-risk flag waiting, a
    deferred screening and no confirmed contact plan; an emergency search; a refusal."""
    clinician = personas.clinician
    if patient is None:
        patient = make_patient(actor=clinician, clinic=personas.clinic, preferred_name=name)
    for member in (personas.colleague, counselor):
        CareTeamMember.objects.get_or_create(patient=patient, user=member)
    visits.encounter_start(
        actor=clinician,
        patient=patient,
        clinic=personas.clinic,
        kind="clinic",
        companion="came_alone",
        interpreter="not_needed",
    )
    asked = screening.screening_start(
        actor=clinician, patient=patient, instrument_ids=["phq-9"], language="en", mode="clinician"
    )
    screening.result_record(
        actor=clinician, session=asked, instrument_id="phq-9", answers=PHQ9_POSITIVE
    )
    waiting = screening.screening_start(
        actor=clinician,
        patient=patient,
        instrument_ids=["pc-ptsd-5"],
        language="en",
        mode="clinician",
    )
    screening.screening_defer(actor=clinician, session=waiting, note="")
    emergency.emergency_search_start(actor=clinician, reason="Unconscious, needs history")
    audit_record(
        action="read", actor=personas.outsider, outcome=Outcome.DENIED, detail="role may not"
    )
    plan = careplans.careplan_for(patient=patient)
    now = timezone.now()
    for code, title, category, urgent in (
        ("hiv-npep", "Start nPEP", "physical", True),
        ("mental-health-rescreen", "Repeat PHQ-9", "mental", False),
        ("housing", "Find a safe place to stay", "social", False),
    ):
        careplans.activity_add(
            plan=plan,
            actor=clinician,
            code=code,
            title=title,
            category=category,
            urgent=urgent,
            due=now + datetime.timedelta(hours=24 if urgent else 72),
            latest=now + datetime.timedelta(hours=60) if urgent else None,
        )
    referral = referring.referral_start(
        actor=personas.colleague,
        patient=patient,
        clinic=personas.clinic,
        service=therapy_service(personas),
    )
    Referral.objects.filter(pk=referral.pk).update(status="sent")
    return patient


def therapy_service(personas):
    from lantern.referrals.models import Service

    found = Service.objects.filter(name="Survivor therapy group").first()
    return found or make_service(
        personas.clinic.health_system,
        "Survivor therapy group",
        needs=[taxonomy.NEEDS_BY_CODE["counseling-therapy"].id],
    )


def home(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def test_a_clinician_sees_todays_patients_flags_and_waiting_screens(
    personas, client_for, counselor
):
    add_work(personas, counselor, patient=personas.patient)
    page = home(client_for(personas.clinician))
    assert "Today's patients" in page
    visit = personas.patient.encounters.get()
    assert reverse("encounters:visit", args=[personas.patient.pk, visit.pk]) in page
    assert "Needs attention now" in page
    assert "Open the result for Rosa Delgado" in page
    assert "Screenings waiting for a private moment" in page
    assert "Urgent windows" in page
    assert "Start nPEP" in page
    assert "Your worklist" in page
    assert "Repeat PHQ-9" in page
    assert "Not available yet." not in page
    assert AuditEvent.objects.filter(
        actor=personas.clinician,
        patient_id=personas.patient.pk,
        action="read",
        detail="listed on the start page",
    ).exists()


def test_an_advocate_sees_plans_to_confirm_and_slots_for_referrals(personas, client_for, counselor):
    add_work(personas, counselor, patient=personas.patient)
    page = home(client_for(personas.colleague))
    assert "Safety and contact plans to confirm" in page
    assert reverse("patients:contact_plan", args=[personas.patient.pk]) in page
    assert "never confirmed" in page
    assert "Referrals awaiting an answer" in page
    assert "Survivor therapy group" in page
    assert "Needs without a referral" in page
    assert "Find a safe place to stay" in page
    assert "Start nPEP" not in page  # physical care is not a need for a referral
    assert "Today's patients" not in page


def test_a_counselor_sees_positive_mental_health_screens(personas, client_for, counselor):
    add_work(personas, counselor, patient=personas.patient)
    page = home(client_for(counselor))
    assert "Positive mental-health screens without a follow-up" in page
    session = personas.patient.screening_sessions.get(instrument_ids=["phq-9"])
    assert reverse("screening:session", args=[personas.patient.pk, session.pk]) in page
    assert "Re-screens due" in page
    assert "Repeat PHQ-9" in page
    assert "Therapy and group referrals" in page
    assert "Survivor therapy group" in page


def test_a_positive_screen_with_a_mental_health_follow_up_leaves_the_list(
    personas, client_for, counselor
):
    add_work(personas, counselor, patient=personas.patient)
    session = personas.patient.screening_sessions.get(instrument_ids=["phq-9"])
    careplans.activity_add(
        plan=careplans.careplan_for(patient=personas.patient),
        actor=personas.clinician,
        code="counseling",
        title="Counseling intake",
        category="mental",
        due=timezone.now(),
    )
    from lantern.careplans.models import Activity

    Activity.objects.filter(code="counseling").update(origin_screening=session)
    page = home(client_for(counselor))
    assert "No positive screens." in page


def test_no_one_sees_patients_off_their_care_team(personas, client_for, counselor):
    add_work(personas, counselor, patient=personas.patient)
    stranger = UserFactory(role=Role.COUNSELOR, clinics=[personas.clinic])
    page = home(client_for(stranger))
    assert "Rosa" not in page
    assert "No positive screens." in page


def test_a_privacy_officer_sees_reviews_waiting_and_recent_refusals(
    personas, client_for, counselor
):
    add_work(personas, counselor, patient=personas.patient)
    page = home(client_for(personas.auditor))
    assert "1 use of emergency access is waiting for review." in page
    assert "A search by" in page
    assert "Recent refusals" in page
    assert "Rosa" not in page


def test_an_administrator_sees_staff_clinics_protocols_and_directory(personas, client_for):
    page = home(client_for(personas.admin))
    assert "active accounts" in page
    assert reverse("accounts:clinic_settings", args=[personas.clinic.pk]) in page
    assert "Follow-up protocols" in page
    assert reverse("referrals:manage") in page
    assert "Rosa" not in page


def test_a_program_manager_sees_training_status_and_a_link_to_the_reports(personas, client_for):
    from lantern.training import catalogue

    for module in catalogue.modules():
        Attestation.objects.create(
            user=personas.clinician, module_id=module.id, module_version=module.version
        )
    page = home(client_for(personas.manager))
    assert "Riverside Clinic: 1 of 2 members of care staff have every module current." in page
    assert "Program reports" in page
    assert reverse("reports:report") in page
    assert "Not available yet." not in page
    assert reverse("referrals:counts") in page
    assert "does not open patient records" not in page


@pytest.mark.parametrize(
    "persona", ["clinician", "colleague", "counselor", "auditor", "admin", "manager"]
)
def test_a_start_page_takes_the_same_queries_for_more_work(
    personas, client_for, counselor, persona
):
    user = counselor if persona == "counselor" else personas.by_name(persona)
    client = client_for(user)
    add_work(personas, counselor, patient=personas.patient)
    home(client)
    with CaptureQueriesContext(connection) as one:
        home(client)
    for n in range(4):
        add_work(personas, counselor, name=f"Patient {n}")
    with CaptureQueriesContext(connection) as five:
        home(client)
    assert len(five) == len(one), f"{persona}: {len(one)} queries, then {len(five)}"
