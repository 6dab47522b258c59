"""The report's figures against a known data set: what a program manager reads."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from lantern.audit.models import AuditEvent
from tests.factories import ClinicFactory, UserFactory
from tests.reports import builders as b
from tests.reports.pages import headings, row

REPORT = reverse("reports:report")


@pytest.fixture
def northside(personas):
    """A second clinic of the same health system as Riverside."""
    return ClinicFactory(name="Northside Clinic", health_system=personas.clinic.health_system)


def page(client, **params):
    response = client.get(REPORT, {**b.RANGE, **params})
    assert response.status_code == 200
    return response.content.decode()


def test_twelve_patients_show_as_12_and_five_are_withheld(personas, client_for, northside):
    b.visits(b.patients(12, personas.clinic), personas.clinic, b.OCTOBER, personas.clinician)
    b.visits(b.patients(20, northside), northside, b.OCTOBER, personas.clinician)
    b.visits(b.patients(5, personas.clinic), personas.clinic, b.SEPTEMBER, personas.clinician)
    b.refresh(personas.clinic)
    html = page(client_for(personas.manager))
    assert headings(html, "seen") == ["Month", "Northside Clinic", "Riverside Clinic", "Total"]
    assert row(html, "seen", "October 2026") == ["20", "12", "32"]
    # 5 at Riverside in September, and the health system's total of 5 with it.
    assert row(html, "seen", "September 2026") == ["0", "withheld", "withheld"]
    # Over both months: Riverside's sum would need the withheld 5.
    assert row(html, "seen", "Total") == ["20", "withheld", "withheld"]


def test_a_total_cannot_give_a_withheld_count_away(personas, client_for, northside):
    people = b.patients(5, personas.clinic)
    b.screenings(people, personas.clinic, b.OCTOBER, personas.clinician)
    others = b.patients(30, northside)
    b.screenings(others, northside, b.OCTOBER, personas.clinician)
    b.refresh(personas.clinic)
    html = page(client_for(personas.manager))
    # 35 - 30 would be 5: Northside's 30 is withheld with Riverside's 5.
    assert row(html, "screened", "October 2026") == ["withheld", "withheld", "35"]
    assert "30" not in row(html, "screened", "October 2026")


def test_a_clinic_filter_that_isolates_a_few_people_answers_withheld(personas, client_for):
    b.visits(b.patients(3, personas.clinic), personas.clinic, b.OCTOBER, personas.clinician)
    b.refresh(personas.clinic)
    html = page(client_for(personas.manager), clinic=personas.clinic.pk, start="2026-10")
    assert row(html, "seen", "October 2026") == ["withheld", "withheld"]
    assert row(html, "gender", "October 2026") == ["withheld", "withheld"]
    assert "3" not in row(html, "age", "October 2026")


def test_positive_screens_by_instrument_and_indicator_concerns(personas, client_for):
    b.screenings(b.patients(12, personas.clinic), personas.clinic, b.OCTOBER, personas.clinician)
    people = b.patients(14, personas.clinic)
    b.screenings(
        people, personas.clinic, b.OCTOBER, personas.clinician, "lantern-indicators", False
    )
    b.refresh(personas.clinic)
    html = page(client_for(personas.manager))
    assert headings(html, "positive") == ["Month", "PHQ-9", "Total"]
    assert row(html, "positive", "October 2026") == ["12", "12"]
    # The checklist is never "positive"; a sign recorded (total above 0) is a concern.
    assert row(html, "indicators", "October 2026") == ["14", "14"]
    assert row(html, "screened", "October 2026") == ["26", "26"]


def test_demographics_of_the_people_seen(personas, client_for):
    b.visits(b.patients(12, personas.clinic), personas.clinic, b.OCTOBER, personas.clinician)
    b.visits(
        b.patients(
            11,
            personas.clinic,
            gender_identity="non_binary",
            preferred_language="en",
            birth_date=datetime.date(2010, 1, 1),
        ),
        personas.clinic,
        b.OCTOBER,
        personas.clinician,
    )
    b.refresh(personas.clinic)
    html = page(client_for(personas.manager))
    assert headings(html, "age") == ["Month", "Under 18", "25 to 34", "Total"]
    assert row(html, "age", "October 2026") == ["11", "12", "23"]
    assert row(html, "gender", "October 2026") == ["12", "11", "23"]
    assert headings(html, "language")[1:3] == ["English", "Spanish"]


def test_consent_declined_or_withdrawn_per_scope(personas, client_for):
    visits = b.visits(
        b.patients(12, personas.clinic), personas.clinic, b.OCTOBER, personas.clinician
    )
    b.declined(visits[:6], "pelvic_exam", personas.clinician)
    b.declined(visits[6:], "pelvic_exam", personas.clinician, status="withdrawn")
    b.declined(visits[:4], "photographs", personas.clinician)
    b.refresh(personas.clinic)
    html = page(client_for(personas.manager))
    assert headings(html, "consent")[1:3] == [
        "Pelvic or anogenital examination",
        "Photographs of injuries",
    ]
    # 12 pelvic, 4 photographs (withheld): 16 minus a published 12 would give the 4 away,
    # so the 12 (the smallest other count) is withheld too.
    assert row(html, "consent", "October 2026") == ["withheld", "withheld", "16"]


def test_follow_ups_done_missed_and_overdue_and_time_to_follow_up(personas, client_for):
    visits = b.visits(
        b.patients(36, personas.clinic), personas.clinic, b.OCTOBER, personas.clinician
    )
    day = datetime.timedelta(days=1)
    b.activities(visits[:12], "followup-exam", "done", personas.clinician, done_after=2 * day)
    b.activities(visits[12:24], "followup-exam", "missed", personas.clinician)
    b.activities(visits[24:], "followup-exam", "planned", personas.clinician)  # due in October
    b.refresh(personas.clinic)
    html = page(client_for(personas.manager))
    assert row(html, "follow_ups", "October 2026") == ["12", "12", "12", "36"]
    assert headings(html, "follow_up_time") == ["Month", "Within 3 days", "Total"]
    assert row(html, "follow_up_time", "October 2026") == ["12", "12"]


def test_share_of_urgent_windows_met(personas, client_for):
    visits = b.visits(
        b.patients(24, personas.clinic), personas.clinic, b.OCTOBER, personas.clinician
    )
    hour = datetime.timedelta(hours=1)
    b.activities(
        visits[:12], "hiv-npep", "done", personas.clinician, done_after=20 * hour, urgent=True
    )
    b.activities(
        visits[12:], "hiv-npep", "done", personas.clinician, done_after=80 * hour, urgent=True
    )
    b.refresh(personas.clinic)
    html = page(client_for(personas.manager))
    assert headings(html, "urgent-npep") == ["Month", "Met", "Not met", "Total", "Share met"]
    assert row(html, "urgent-npep", "October 2026") == ["12", "12", "24", "50%"]
    assert row(html, "urgent-ec", "October 2026") == ["0", "0", "0", ""]


def test_referrals_by_need_and_outcome(personas, client_for):
    from lantern.referrals import taxonomy
    from tests.referrals.factories import make_service

    shelter = taxonomy.NEEDS_BY_CODE["emergency-shelter"]
    service = make_service(personas.clinic.health_system, needs=[shelter.id])
    b.referrals(
        b.patients(12, personas.clinic), personas.clinic, service, "completed", personas.clinician
    )
    b.referrals(
        b.patients(2, personas.clinic), personas.clinic, service, "draft", personas.clinician
    )
    b.refresh(personas.clinic)
    html = page(client_for(personas.manager))
    assert headings(html, "referrals-need") == ["Month", "Emergency shelter", "Total"]
    assert row(html, "referrals-need", "October 2026") == ["12", "12"]  # drafts are not sent
    assert headings(html, "referrals-outcome") == ["Month", "Completed", "Total"]


def test_a_manager_sees_only_their_own_health_system(personas, client_for):
    b.visits(b.patients(12, personas.clinic), personas.clinic, b.OCTOBER, personas.clinician)
    elsewhere = UserFactory(role="program_manager", clinics=[personas.other_clinic])
    b.refresh(personas.other_clinic)
    html = page(client_for(elsewhere))
    assert "Riverside Clinic" not in html
    assert headings(html, "seen") == ["Month", "Harbor Clinic", "Total"]
    assert row(html, "seen", "October 2026") == ["0", "0"]


def test_viewing_the_report_is_audited_without_figures_or_names(personas, client_for):
    page(client_for(personas.manager), clinic=personas.clinic.pk)
    entry = AuditEvent.objects.filter(actor=personas.manager, action="read").latest("sequence")
    assert entry.detail == f"program report: clinic {personas.clinic.pk}, months 2026-09 to 2026-10"
    assert entry.patient_id is None
