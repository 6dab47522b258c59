"""Administrators manage staff accounts; changes apply on the next request."""

from __future__ import annotations

from django.urls import reverse

from lantern.accounts.models import User
from lantern.audit.models import AuditEvent
from tests.clients import signed_in, stepped_up


def new_staff_data(personas, **overrides):
    data = {
        "username": "nurse.ana",
        "display_name": "Ana Torres",
        "email": "ana.torres@clinic.example",
        "role": "clinician",
        "clinician_type": "nurse",
        "clinics": [personas.clinic.pk],
        "is_active": "on",
        "password": "a long first password 42",
    }
    data.update(overrides)
    return data


def test_an_administrator_adds_a_clinician(personas):
    response = signed_in(personas.admin).post(
        reverse("accounts:staff_new"), new_staff_data(personas)
    )
    assert response.status_code == 302
    user = User.objects.get(username="nurse.ana")
    assert user.check_password("a long first password 42")
    assert list(user.clinics.all()) == [personas.clinic]
    assert user.health_system == personas.clinic.health_system
    assert AuditEvent.objects.filter(action="permission_change", object_id=str(user.pk)).exists()


def test_a_weak_first_password_or_taken_username_is_refused_and_nothing_is_created(personas):
    client = signed_in(personas.admin)
    weak = client.post(reverse("accounts:staff_new"), new_staff_data(personas, password="password"))
    assert "too common" in weak.content.decode()
    taken = client.post(
        reverse("accounts:staff_new"), new_staff_data(personas, username="CLINICIAN")
    )
    assert "That username is taken." in taken.content.decode()
    assert 'value="Ana Torres"' in taken.content.decode()
    assert not User.objects.filter(display_name="Ana Torres").exists()


def test_a_clinic_of_another_organisation_cannot_be_assigned(personas):
    response = signed_in(personas.admin).post(
        reverse("accounts:staff_new"), new_staff_data(personas, clinics=[personas.other_clinic.pk])
    )
    assert "Select a valid choice" in response.content.decode()


def test_changing_a_role_takes_effect_on_the_next_request(personas):
    clinician = signed_in(personas.clinician)
    page = reverse("patients:detail", args=[personas.patient.pk])
    assert clinician.get(page).status_code == 200
    admin = signed_in(personas.admin)
    data = {
        "display_name": personas.clinician.display_name,
        "email": "c@clinic.example",
        "role": "program_manager",
        "clinician_type": "",
        "clinics": [personas.clinic.pk],
        "is_active": "on",
    }
    assert (
        admin.post(reverse("accounts:staff_edit", args=[personas.clinician.pk]), data).status_code
        == 302
    )
    assert clinician.get(page).status_code == 403
    entry = AuditEvent.objects.filter(
        action="permission_change", object_id=str(personas.clinician.pk)
    ).last()
    assert "role: clinician->program_manager" in entry.detail


def test_switching_an_account_off_ends_its_sessions(personas):
    clinician = signed_in(personas.clinician)
    data = {
        "display_name": "x",
        "email": "c@clinic.example",
        "role": "clinician",
        "clinician_type": "physician",
        "clinics": [personas.clinic.pk],
    }
    signed_in(personas.admin).post(
        reverse("accounts:staff_edit", args=[personas.clinician.pk]), data
    )
    response = clinician.get(reverse("patients:search"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_administrators_cannot_open_patient_records(personas):
    admin = signed_in(personas.admin)
    assert admin.get(reverse("patients:detail", args=[personas.patient.pk])).status_code == 403
    assert admin.get(reverse("patients:search")).status_code == 403


def test_an_administrator_cannot_remove_their_own_access(personas):
    data = {
        "display_name": "Admin",
        "email": "a@clinic.example",
        "role": "clinician",
        "clinician_type": "nurse",
        "clinics": [personas.clinic.pk],
        "is_active": "on",
    }
    response = signed_in(personas.admin).post(
        reverse("accounts:staff_edit", args=[personas.admin.pk]), data
    )
    assert "cannot remove your own administrator access" in response.content.decode()
    personas.admin.refresh_from_db()
    assert personas.admin.role == "administrator"


def test_staff_of_another_organisation_are_not_found(personas):
    response = signed_in(personas.admin).get(
        reverse("accounts:staff_edit", args=[personas.outsider.pk])
    )
    assert response.status_code == 404


def test_resetting_a_second_factor_and_unlocking_are_audited(personas):
    admin = stepped_up(personas.admin)
    admin.post(reverse("accounts:staff_reset_second_factor", args=[personas.clinician.pk]))
    admin.post(reverse("accounts:staff_unlock", args=[personas.clinician.pk]))
    details = list(
        AuditEvent.objects.filter(action="permission_change").values_list("detail", flat=True)
    )
    assert f"second factor reset for user {personas.clinician.pk}" in details
    assert "sign-in lockout lifted" in details


def test_staff_change_their_own_password(personas):
    client = signed_in(personas.clinician)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "correct horse battery staple",
            "new_password1": "a brand new passphrase 7",
            "new_password2": "a brand new passphrase 7",
        },
    )
    assert response.status_code == 302
    personas.clinician.refresh_from_db()
    assert personas.clinician.check_password("a brand new passphrase 7")


def test_changing_a_staff_email_address_is_audited_without_the_address(personas):
    data = {
        "display_name": personas.auditor.display_name,
        "email": "attacker@evil.example",
        "role": "privacy_officer",
        "clinician_type": "",
        "clinics": [personas.clinic.pk],
        "is_active": "on",
    }
    signed_in(personas.admin).post(reverse("accounts:staff_edit", args=[personas.auditor.pk]), data)
    entry = AuditEvent.objects.filter(
        action="permission_change", object_id=str(personas.auditor.pk)
    ).last()
    assert entry.detail == "email changed"
    assert "evil" not in str(AuditEvent.objects.values_list())


def test_an_administrator_marks_a_clinician_clinical_lead_and_it_is_audited(personas):
    admin = signed_in(personas.admin)
    data = {
        "display_name": personas.clinician.display_name,
        "email": "c@clinic.example",
        "role": "clinician",
        "clinician_type": "physician",
        "clinical_lead": "on",
        "clinics": [personas.clinic.pk],
        "is_active": "on",
    }
    url = reverse("accounts:staff_edit", args=[personas.clinician.pk])
    assert admin.post(url, data).status_code == 302
    personas.clinician.refresh_from_db()
    assert personas.clinician.leads_protocols
    entry = AuditEvent.objects.filter(
        action="permission_change", object_id=str(personas.clinician.pk)
    ).last()
    assert "clinical_lead: False->True" in entry.detail
    assert signed_in(personas.clinician).get(reverse("careplans:protocols")).status_code == 200


def test_only_a_clinician_can_be_a_clinical_lead(personas):
    data = {
        "display_name": personas.colleague.display_name,
        "email": "a@clinic.example",
        "role": "advocate",
        "clinician_type": "",
        "clinical_lead": "on",
        "clinics": [personas.clinic.pk],
        "is_active": "on",
    }
    response = signed_in(personas.admin).post(
        reverse("accounts:staff_edit", args=[personas.colleague.pk]), data
    )
    assert response.status_code == 200
    assert "Only a clinician can be a clinical lead." in response.content.decode()
