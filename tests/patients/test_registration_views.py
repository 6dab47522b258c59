"""Registering a patient through the form: search before create, clear errors, nothing lost."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from lantern.audit.models import AuditEvent
from lantern.patients.models import Patient, PatientAlias

URL = reverse("patients:register")


def form_data(personas, **overrides):
    data = {
        "preferred_name": "Guadalupe Ríos",
        "legal_name": "María Guadalupe Ríos Luna",
        "birth_date_kind": "exact",
        "birth_date": "2001-03-31",
        "estimated_age": "",
        "sex_at_birth": "female",
        "gender_identity": "woman",
        "gender_identity_detail": "",
        "pronouns": "ella",
        "preferred_language": "es",
        "interpreter_needed": "on",
        "clinic": str(personas.clinic.pk),
        "mrn": "RV-3003",
        "alias-TOTAL_FORMS": "3",
        "alias-INITIAL_FORMS": "0",
        "alias-MIN_NUM_FORMS": "0",
        "alias-MAX_NUM_FORMS": "3",
        "alias-0-name": "Lupita",
        "alias-0-kind": "nickname",
        "alias-1-name": "",
        "alias-1-kind": "street",
        "alias-2-name": "",
        "alias-2-kind": "street",
    }
    data.update(overrides)
    return data


def test_a_clinician_registers_a_patient_with_an_alias(personas, client_for):
    response = client_for(personas.clinician).post(URL, form_data(personas))
    patient = Patient.objects.exclude(pk=personas.patient.pk).get()
    assert response.status_code == 302
    assert response.url == reverse("patients:detail", args=[patient.pk])
    assert patient.legal_name == "María Guadalupe Ríos Luna"
    assert patient.interpreter_needed is True
    assert [a.name for a in patient.aliases.all()] == ["Lupita"]
    assert patient.identifiers.get().value == "RV-3003"
    page = client_for(personas.clinician).get(response.url).content.decode()
    for shown in ("Guadalupe Ríos", "Lupita", "RV-3003"):
        assert shown in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"preferred_name": ""}, "preferred_name", "This field is required."),
        ({"birth_date": "2999-01-01"}, "birth_date", "cannot be in the future"),
        ({"birth_date": "1850-06-01"}, "birth_date", "after 1900"),
        ({"birth_date": "2001-02-30"}, "birth_date", "Enter a valid date."),
        (
            {"birth_date": ""},
            "birth_date",
            "Enter the date of birth, or choose estimated or unknown.",
        ),
        (
            {"birth_date_kind": "estimated", "estimated_age": ""},
            "estimated_age",
            "Enter the estimated age",
        ),
        (
            {"birth_date_kind": "estimated", "estimated_age": "130"},
            "estimated_age",
            "less than or equal to 120",
        ),
        ({"preferred_name": "x" * 151}, "preferred_name", "at most 150 characters"),
        (
            {"preferred_name": "Ana\x1b[31m"},
            "preferred_name",
            "invisible control character (code U+001B)",
        ),
        ({"legal_name": "Ana\u202eanA"}, "legal_name", "U+202E"),
        ({"alias-0-name": "Lu\npita"}, None, "fit on one line"),
        ({"mrn": "RV-1001"}, "mrn", "already in use at Riverside Clinic"),
        ({"clinic": "999999"}, "clinic", "Select a valid choice."),
    ],
)
def test_bad_input_is_refused_with_a_precise_message_and_the_typed_values_stay(
    personas, client_for, overrides, field, message
):
    before = Patient.objects.count()
    data = form_data(personas, **overrides)
    response = client_for(personas.clinician).post(URL, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    if field:
        assert message in " ".join(response.context["form"].errors[field])
    assert Patient.objects.count() == before
    assert PatientAlias.objects.count() == 1
    if "preferred_name" not in overrides:
        assert 'value="Guadalupe Ríos"' in page
    assert 'value="Lupita"' in page or "alias-0-name" in overrides
    if overrides.get("birth_date"):
        assert f'value="{overrides["birth_date"]}"' in page


def test_registering_at_a_clinic_the_user_does_not_work_at_is_refused(personas, client_for):
    response = client_for(personas.clinician).post(
        URL, form_data(personas, clinic=str(personas.other_clinic.pk))
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert Patient.objects.count() == 1


def test_a_likely_duplicate_is_shown_before_anything_is_created(personas, client_for):
    client = client_for(personas.clinician)
    data = form_data(
        personas, preferred_name="Rosa Delgadoo", legal_name="", mrn="", birth_date="1998-04-17"
    )
    response = client.post(URL, data)
    page = response.content.decode()
    assert "This patient may already be registered" in page
    assert reverse("patients:detail", args=[personas.patient.pk]) in page
    assert Patient.objects.count() == 1
    assert 'value="Rosa Delgadoo"' in page  # nothing typed is lost
    confirmed = client.post(URL, {**data, "not_a_duplicate": "on"})
    assert confirmed.status_code == 302
    assert Patient.objects.count() == 2


def test_a_likely_duplicate_outside_the_users_care_teams_is_counted_not_named(personas, client_for):
    response = client_for(personas.colleague).post(
        URL, form_data(personas, preferred_name="Rosa Delgado", legal_name="", mrn="")
    )
    page = response.content.decode()
    assert "1 similar record at your clinics is outside your care teams" in page
    assert reverse("patients:detail", args=[personas.patient.pk]) not in page
    assert "Sunny" not in page
    assert Patient.objects.count() == 1


def test_a_patient_at_another_health_system_is_never_a_duplicate_candidate(personas, client_for):
    response = client_for(personas.outsider).post(
        URL,
        form_data(
            personas,
            preferred_name="Rosa Delgado",
            legal_name="",
            mrn="",
            clinic=str(personas.other_clinic.pk),
        ),
    )
    assert response.status_code == 302
    assert Patient.objects.count() == 2


@pytest.mark.parametrize("persona", ["auditor", "admin", "manager"])
def test_roles_that_do_not_care_for_patients_cannot_register_them(personas, client_for, persona):
    response = client_for(getattr(personas, persona)).post(URL, form_data(personas))
    assert response.status_code == 403
    assert Patient.objects.count() == 1
    assert AuditEvent.objects.filter(outcome="denied", actor=getattr(personas, persona)).exists()


def test_an_estimated_age_registers_without_a_birth_date(personas, client_for):
    client_for(personas.clinician).post(
        URL,
        form_data(personas, birth_date_kind="estimated", birth_date="", estimated_age="16", mrn=""),
    )
    patient = Patient.objects.exclude(pk=personas.patient.pk).get()
    assert patient.birth_date is None
    assert patient.estimated_age == 16
    assert patient.estimated_on == timezone.localdate()
    assert patient.is_minor() is True
    page = (
        client_for(personas.clinician)
        .get(reverse("patients:detail", args=[patient.pk]))
        .content.decode()
    )
    assert "This patient is under 18" in page
    assert "about 16 years" in page


def test_a_birth_date_today_is_accepted(personas, client_for):
    today = timezone.localdate()
    response = client_for(personas.clinician).post(
        URL,
        form_data(
            personas,
            birth_date=today.isoformat(),
            mrn="",
            preferred_name="Newborn Baby",
            legal_name="",
        ),
    )
    assert response.status_code == 302
    assert Patient.objects.filter(birth_date=today).exists()


def test_counting_a_hidden_duplicate_is_recorded_in_that_patients_history(personas, client_for):
    client_for(personas.colleague).post(
        URL, form_data(personas, preferred_name="Rosa Delgado", legal_name="", mrn="")
    )
    assert AuditEvent.objects.filter(
        actor=personas.colleague,
        patient_id=personas.patient.pk,
        action="search",
        detail="counted as a possible duplicate for a registrant outside the care team",
    ).exists()


def test_refusing_a_record_number_is_recorded_in_the_holders_history(personas, client_for):
    client_for(personas.colleague).post(
        URL, form_data(personas, mrn="rv-1001", not_a_duplicate="on")
    )
    assert AuditEvent.objects.filter(
        actor=personas.colleague,
        patient_id=personas.patient.pk,
        outcome="denied",
        detail="record number in use: refused to a registrant",
    ).exists()
    assert Patient.objects.count() == 1


def test_no_preferred_language_is_preset_and_one_must_be_chosen(personas, client_for):
    client = client_for(personas.clinician)
    page = client.get(URL).content.decode()
    assert '<option value="" selected>' in page
    assert 'value="en" selected' not in page
    response = client.post(URL, form_data(personas, preferred_language=""))
    assert response.status_code == 200
    assert "Ask the patient which language they prefer." in response.content.decode()
    assert 'value="María Guadalupe Ríos Luna"' in response.content.decode()
    assert not Patient.objects.exclude(pk=personas.patient.pk).exists()
