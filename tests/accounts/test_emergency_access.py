"""Break the glass: reason, step-up, time limit, alerts to privacy officers, review."""

from __future__ import annotations

import datetime
import time

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from lantern.accounts import emergency
from lantern.accounts.models import EmergencyAccess, Notification, Role
from lantern.audit.models import AuditEvent
from lantern.patients import services
from lantern.patients.models import Patient
from tests.clients import signed_in, stepped_up
from tests.factories import UserFactory

REASON = "Unconscious patient brought in by ambulance, needs allergy history"


@pytest.fixture
def officer(personas):
    personas.auditor.email = "privacy@clinic.example"
    personas.auditor.save()
    return personas.auditor


def test_emergency_access_needs_a_fresh_step_up(personas):
    response = signed_in(personas.colleague).get(reverse("patients:emergency"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:confirm"))


def test_a_reason_is_required(personas):
    response = stepped_up(personas.colleague).post(
        reverse("patients:emergency"), {"reason": "", "q": "Rosa"}
    )
    assert "This field is required." in response.content.decode()
    short = stepped_up(personas.colleague).post(
        reverse("patients:emergency"), {"reason": "urgent", "q": "Rosa"}
    )
    assert "Describe the emergency in a few words." in short.content.decode()
    assert not EmergencyAccess.objects.exists()


def test_break_the_glass_opens_one_record_for_four_hours_and_alerts_privacy_officers(
    personas, officer
):
    client = stepped_up(personas.colleague)
    results = client.post(reverse("patients:emergency"), {"reason": REASON, "q": "Rosa Delgado"})
    page = results.content.decode()
    assert "Rosa Delgado" in page
    grant = EmergencyAccess.objects.get()
    opened = client.post(reverse("patients:emergency_open", args=[grant.pk, personas.patient.pk]))
    assert opened.url == reverse("patients:detail", args=[personas.patient.pk])
    detail = client.get(opened.url).content.decode()
    assert "because you used emergency access" in detail
    grant.refresh_from_db()
    assert grant.expires_at - grant.opened_at == datetime.timedelta(hours=4)
    # Privacy officer: a notice in Lantern and an email to the staff address, nothing else.
    assert Notification.objects.filter(recipient=officer, subject="Emergency access used").exists()
    assert [message.to for message in mail.outbox] == [["privacy@clinic.example"]]
    for name in ("Rosa", "Delgado", "Sunny"):
        assert name not in mail.outbox[0].body
    assert AuditEvent.objects.filter(action="break_glass", patient_id=personas.patient.pk).exists()
    assert AuditEvent.objects.filter(
        action="read",
        patient_id=personas.patient.pk,
        actor=personas.colleague,
        detail="emergency access",
    ).exists()


def test_emergency_access_ends_by_itself(personas, officer):
    with time_machine.travel(time.time(), tick=False) as clock:
        grant = emergency.emergency_search_start(actor=personas.colleague, reason=REASON)
        emergency.emergency_access_open(
            actor=personas.colleague, grant=grant, patient=personas.patient
        )
        visible = Patient.objects.visible_to(personas.colleague)
        assert visible.filter(pk=personas.patient.pk).exists()
        clock.shift(datetime.timedelta(hours=4, minutes=1))
        assert (
            not Patient.objects.visible_to(personas.colleague)
            .filter(pk=personas.patient.pk)
            .exists()
        )


def test_the_user_can_end_emergency_access_early(personas, officer):
    grant = emergency.emergency_search_start(actor=personas.colleague, reason=REASON)
    emergency.emergency_access_open(actor=personas.colleague, grant=grant, patient=personas.patient)
    client = signed_in(personas.colleague)
    client.post(reverse("patients:emergency_end", args=[grant.pk]))
    assert client.get(reverse("patients:detail", args=[personas.patient.pk])).status_code == 404


def test_search_results_never_include_another_organisations_patients(personas, officer):
    services.patient_register(
        actor=personas.outsider,
        clinic=personas.other_clinic,
        details=services.PatientDetails(
            preferred_name="Rosa Delgado",
            legal_name="",
            birth_date_kind="unknown",
            birth_date=None,
            estimated_age=None,
            sex_at_birth="female",
            gender_identity="woman",
            gender_identity_detail="",
            pronouns="",
            preferred_language="es",
            interpreter_needed=False,
        ),
    )
    client = stepped_up(personas.colleague)
    client.post(reverse("patients:emergency"), {"reason": REASON, "q": "Rosa Delgado"})
    grant = EmergencyAccess.objects.get()
    other = Patient.objects.exclude(pk=personas.patient.pk).get()
    response = client.post(reverse("patients:emergency_open", args=[grant.pk, other.pk]))
    assert response.status_code == 404
    assert not Patient.objects.visible_to(personas.colleague).filter(pk=other.pk).exists()


def test_someone_elses_emergency_search_cannot_be_used(personas, officer):
    grant = emergency.emergency_search_start(actor=personas.colleague, reason=REASON)
    second = UserFactory(role=Role.CLINICIAN, clinics=[personas.clinic])
    response = signed_in(second).post(
        reverse("patients:emergency_open", args=[grant.pk, personas.patient.pk])
    )
    assert response.status_code == 404


def test_roles_without_patient_care_cannot_break_the_glass(personas, officer):
    response = stepped_up(personas.admin).get(reverse("patients:emergency"))
    assert response.status_code == 403


def test_privacy_officer_reviews_each_use_but_not_their_own(personas, officer):
    grant = emergency.emergency_search_start(actor=personas.colleague, reason=REASON)
    emergency.emergency_access_open(actor=personas.colleague, grant=grant, patient=personas.patient)
    client = signed_in(officer)
    listing = client.get(reverse("accounts:emergency_reviews")).content.decode()
    assert "Waiting for review" in listing
    page = client.get(reverse("accounts:emergency_review", args=[grant.pk])).content.decode()
    assert REASON in page
    assert "record opened with emergency access" in page
    response = client.post(
        reverse("accounts:emergency_review", args=[grant.pk]),
        {"decision": "not_justified", "note": "Patient was not in the ED."},
    )
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.review_status == "not_justified"
    assert grant.reviewed_by == officer
    with pytest.raises(emergency.EmergencyAccessError):
        emergency.emergency_access_review(
            reviewer=personas.colleague, grant=grant, justified=True, note=""
        )


def test_notices_are_listed_and_marked_read(personas, officer):
    grant = emergency.emergency_search_start(actor=personas.colleague, reason=REASON)
    emergency.emergency_access_open(actor=personas.colleague, grant=grant, patient=personas.patient)
    client = signed_in(officer)
    assert "1 new notice" in client.get(reverse("home")).content.decode()
    assert "Emergency access used" in client.get(reverse("accounts:notifications")).content.decode()
    client.post(reverse("accounts:notifications_read"))
    assert not Notification.objects.filter(read_at__isnull=True).exists()
