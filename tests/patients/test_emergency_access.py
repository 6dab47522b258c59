"""Break the glass: reason, step-up, time limits, read-only, alerts, and review."""

from __future__ import annotations

import datetime
import time

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from lantern.accounts.models import EmergencyAccess, Notification, Role
from lantern.audit.models import AuditEvent
from lantern.patients import emergency
from lantern.patients.models import Patient
from tests.clients import signed_in, stepped_up
from tests.factories import UserFactory, make_patient

REASON = "Unconscious patient brought in by ambulance, needs allergy history"


@pytest.fixture
def officer(personas):
    personas.auditor.email = "privacy@clinic.example"
    personas.auditor.save()
    return personas.auditor


def open_record(personas):
    """The colleague (not on the care team) breaks the glass for the planted patient."""
    search = emergency.emergency_search_start(actor=personas.colleague, reason=REASON)
    grant = emergency.emergency_access_open(
        actor=personas.colleague, grant=search, patient=personas.patient
    )
    return search, grant


def test_emergency_access_needs_a_fresh_step_up(personas):
    response = signed_in(personas.colleague).get(reverse("patients:emergency"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:confirm"))


@pytest.mark.parametrize(
    ("reason", "message"),
    [("", "This field is required."), ("urgent", "Describe the emergency in a few words.")],
)
def test_a_reason_is_required(personas, reason, message):
    response = stepped_up(personas.colleague).post(
        reverse("patients:emergency"), {"reason": reason, "q": "Rosa"}
    )
    assert message in response.content.decode()
    assert not EmergencyAccess.objects.exists()


def test_break_the_glass_opens_one_record_for_four_hours_and_alerts_privacy_officers(
    personas, officer
):
    client = stepped_up(personas.colleague)
    results = client.post(reverse("patients:emergency"), {"reason": REASON, "q": "Rosa Delgado"})
    assert "Rosa Delgado" in results.content.decode()
    search = EmergencyAccess.objects.get()
    assert AuditEvent.objects.filter(
        action="break_glass", patient_id=personas.patient.pk, detail="shown in an emergency search"
    ).exists()
    opened = client.post(reverse("patients:emergency_open", args=[search.pk, personas.patient.pk]))
    assert opened.url == reverse("patients:detail", args=[personas.patient.pk])
    detail = client.get(opened.url).content.decode()
    assert "because you used emergency access" in detail
    assert "Safe-contact details are not shown under emergency access." in detail
    grant = EmergencyAccess.objects.get(patient=personas.patient)
    assert grant.search == search
    assert grant.expires_at - grant.opened_at == datetime.timedelta(hours=4)
    # Privacy officer: a notice in Lantern and an email to the staff address, nothing else.
    assert Notification.objects.filter(recipient=officer, subject="Emergency access used").exists()
    assert [message.to for message in mail.outbox] == [["privacy@clinic.example"]]
    for name in ("Rosa", "Delgado", "Sunny"):
        assert name not in mail.outbox[0].body
    assert AuditEvent.objects.filter(
        action="read",
        patient_id=personas.patient.pk,
        actor=personas.colleague,
        detail="emergency access",
    ).exists()


def test_emergency_access_ends_by_itself(personas, officer):
    with time_machine.travel(time.time(), tick=False) as clock:
        open_record(personas)
        assert (
            Patient.objects.visible_to(personas.colleague).filter(pk=personas.patient.pk).exists()
        )
        clock.shift(datetime.timedelta(hours=4, minutes=1))
        assert (
            not Patient.objects.visible_to(personas.colleague)
            .filter(pk=personas.patient.pk)
            .exists()
        )


def test_the_search_window_is_not_stretched_by_opening_a_record(personas, officer):
    with time_machine.travel(time.time(), tick=False) as clock:
        search, _ = open_record(personas)
        clock.shift(datetime.timedelta(minutes=16))
        other = make_patient(
            actor=personas.clinician, clinic=personas.clinic, preferred_name="Ana Ruiz"
        )
        with pytest.raises(emergency.EmergencyAccessError, match="has ended"):
            emergency.emergency_access_open(actor=personas.colleague, grant=search, patient=other)


def test_opening_the_same_record_again_does_not_extend_access(personas, officer):
    with time_machine.travel(time.time(), tick=False) as clock:
        search, first = open_record(personas)
        clock.shift(datetime.timedelta(minutes=10))
        again = emergency.emergency_access_open(
            actor=personas.colleague, grant=search, patient=personas.patient
        )
        assert again == first
        assert again.expires_at == first.expires_at
        assert EmergencyAccess.objects.filter(patient=personas.patient).count() == 1


def test_the_user_can_end_emergency_access_early(personas, officer):
    _, grant = open_record(personas)
    client = signed_in(personas.colleague)
    client.post(reverse("patients:emergency_end", args=[grant.pk]))
    assert client.get(reverse("patients:detail", args=[personas.patient.pk])).status_code == 404


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("patients:care_team_add", {"team-member": "COLLEAGUE"}),
        ("patients:contact_plan", {"do_not_contact": "", "notes": "x", "confirmed_at": ""}),
        ("patients:alias_add", {"new-alias-name": "X", "new-alias-kind": "street"}),
        ("patients:edit", {"preferred_name": "Changed"}),
    ],
)
def test_emergency_access_is_read_only(personas, officer, name, data):
    open_record(personas)
    data = {
        key: personas.colleague.pk if value == "COLLEAGUE" else value for key, value in data.items()
    }
    client = signed_in(personas.colleague)
    response = client.post(reverse(name, args=[personas.patient.pk]), data)
    assert response.status_code == 404
    assert not personas.patient.care_team.filter(user=personas.colleague).exists()
    assert AuditEvent.objects.filter(
        actor=personas.colleague,
        outcome="denied",
        action="update",
        detail="emergency access is read-only",
    ).exists()
    personas.patient.refresh_from_db()
    assert personas.patient.preferred_name == "Rosa Delgado"


def test_search_results_never_include_another_organisations_patients(personas, officer):
    other = make_patient(
        actor=personas.outsider, clinic=personas.other_clinic, preferred_name="Rosa Delgado"
    )
    client = stepped_up(personas.colleague)
    page = client.post(reverse("patients:emergency"), {"reason": REASON, "q": "Rosa Delgado"})
    assert str(other.pk) not in page.content.decode()
    search = EmergencyAccess.objects.get()
    response = client.post(reverse("patients:emergency_open", args=[search.pk, other.pk]))
    assert response.status_code == 404
    assert not Patient.objects.visible_to(personas.colleague).filter(pk=other.pk).exists()


def test_someone_elses_emergency_search_cannot_be_used(personas, officer):
    search = emergency.emergency_search_start(actor=personas.colleague, reason=REASON)
    second = UserFactory(role=Role.CLINICIAN, clinics=[personas.clinic])
    response = signed_in(second).post(
        reverse("patients:emergency_open", args=[search.pk, personas.patient.pk])
    )
    assert response.status_code == 404


def test_roles_without_patient_care_cannot_break_the_glass(personas, officer):
    assert stepped_up(personas.admin).get(reverse("patients:emergency")).status_code == 403


def test_privacy_officer_reviews_each_use_once_and_not_their_own(personas, officer):
    _, grant = open_record(personas)
    client = signed_in(officer)
    assert (
        "Waiting for review" in client.get(reverse("patients:emergency_reviews")).content.decode()
    )
    page = client.get(reverse("patients:emergency_review", args=[grant.pk])).content.decode()
    assert REASON in page
    assert "record opened with emergency access" in page
    response = client.post(
        reverse("patients:emergency_review", args=[grant.pk]),
        {"decision": "not_justified", "note": "Patient was not in the ED."},
    )
    assert response.status_code == 302
    grant.refresh_from_db()
    assert (grant.review_status, grant.reviewed_by) == ("not_justified", officer)
    with pytest.raises(emergency.EmergencyAccessError, match="own"):
        emergency.emergency_access_review(
            reviewer=personas.colleague, grant=grant, justified=True, note=""
        )
    with pytest.raises(emergency.EmergencyAccessError, match="already been reviewed"):
        emergency.emergency_access_review(reviewer=officer, grant=grant, justified=True, note="")
    grant.refresh_from_db()
    assert grant.review_status == "not_justified"


def test_the_review_list_names_only_patients_of_the_officers_clinics(personas, officer):
    other_officer = UserFactory(role=Role.PRIVACY_OFFICER, clinics=[personas.other_clinic])
    open_record(personas)
    elsewhere = signed_in(other_officer).get(reverse("patients:emergency_reviews")).content.decode()
    assert "Rosa Delgado" not in elsewhere
    page = signed_in(officer).get(reverse("patients:emergency_reviews")).content.decode()
    assert "Rosa Delgado" in page
    assert AuditEvent.objects.filter(
        actor=officer,
        patient_id=personas.patient.pk,
        detail="named in the emergency access review list",
    ).exists()


def test_notices_are_listed_and_marked_read(personas, officer):
    open_record(personas)
    client = signed_in(officer)
    assert "1 new notice" in client.get(reverse("home")).content.decode()
    assert "Emergency access used" in client.get(reverse("accounts:notifications")).content.decode()
    client.post(reverse("accounts:notifications_read"))
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_a_team_member_who_left_the_clinic_gets_only_read_only_emergency_access(personas, officer):
    from tests.factories import ClinicFactory

    elsewhere = ClinicFactory(name="Hillside Clinic", health_system=personas.clinic.health_system)
    personas.clinician.clinics.set([elsewhere])
    assert personas.patient.care_team.filter(user=personas.clinician).exists()
    search = emergency.emergency_search_start(actor=personas.clinician, reason=REASON)
    emergency.emergency_access_open(
        actor=personas.clinician, grant=search, patient=personas.patient
    )
    client = signed_in(personas.clinician)
    detail = client.get(reverse("patients:detail", args=[personas.patient.pk]))
    assert detail.status_code == 200
    assert AuditEvent.objects.filter(
        actor=personas.clinician, action="read", detail="emergency access"
    ).exists()
    edit = client.post(
        reverse("patients:edit", args=[personas.patient.pk]), {"preferred_name": "Changed"}
    )
    assert edit.status_code == 404
    personas.patient.refresh_from_db()
    assert personas.patient.preferred_name == "Rosa Delgado"


def review_rows(page: str) -> list[str]:
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    return body.split("<tr>")[1:]


def test_one_use_of_emergency_access_is_one_review_item_naming_the_record(personas, officer):
    _, grant = open_record(personas)
    page = signed_in(officer).get(reverse("patients:emergency_reviews")).content.decode()
    rows = review_rows(page)
    assert len(rows) == 1
    assert "Rosa Delgado" in rows[0]
    assert "opened none" not in page
    assert reverse("patients:emergency_review", args=[grant.pk]) in rows[0]


def test_a_search_that_opened_nothing_is_one_item_saying_so(personas, officer):
    emergency.emergency_search_start(actor=personas.colleague, reason=REASON)
    page = signed_in(officer).get(reverse("patients:emergency_reviews")).content.decode()
    rows = review_rows(page)
    assert len(rows) == 1
    assert "searched, opened none" in rows[0]


def test_the_review_of_an_opened_record_shows_the_search_that_led_to_it(personas, officer):
    search, grant = open_record(personas)
    stepped_up(personas.colleague).post(
        reverse("patients:emergency_search", args=[search.pk]), {"q": "Rosa"}
    )
    page = signed_in(officer).get(reverse("patients:emergency_review", args=[grant.pk]))
    trail = page.content.decode()
    assert "search started" in trail
    assert "record opened with emergency access" in trail
