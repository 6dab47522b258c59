"""Registry writes: whole or not at all, audited, and keeping the search index true."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError

from lantern.accounts.models import CareTeamMember, Role
from lantern.audit.models import AuditEvent
from lantern.patients import services
from lantern.patients.matching import parse_query
from lantern.patients.models import ContactChannel, Patient, PatientAlias, PatientSearchToken
from lantern.patients.search import find
from tests.factories import UserFactory, make_patient, patient_details


def names_found(user, query):
    return [m.patient.pk for m in find(Patient.objects.visible_to(user), parse_query(query))]


def test_registering_puts_the_registrar_on_the_care_team_and_audits_it(personas):
    patient = personas.patient
    assert list(patient.care_team.values_list("user__username", flat=True)) == ["clinician"]
    assert list(patient.clinics.all()) == [personas.clinic]
    entry = AuditEvent.objects.get(
        action="create", patient_id=patient.pk, object_type="patients.patient"
    )
    assert entry.actor == personas.clinician
    assert entry.category == "identity"
    assert PatientSearchToken.objects.filter(patient=patient).count() > 5


def test_a_record_number_is_unique_per_clinic_and_nothing_is_half_saved(personas):
    before = Patient.objects.count()
    with pytest.raises(services.RegistryError, match="already in use at Riverside Clinic"):
        make_patient(
            actor=personas.clinician, clinic=personas.clinic, preferred_name="Ana", mrn="rv 1001"
        )
    assert Patient.objects.count() == before
    assert not PatientAlias.objects.exclude(patient=personas.patient).exists()
    # The same number at another clinic is another clinic's business.
    make_patient(
        actor=personas.outsider, clinic=personas.other_clinic, preferred_name="Ana", mrn="RV-1001"
    )


def test_the_database_itself_refuses_a_duplicate_record_number(personas):
    from lantern.patients.models import ExternalIdentifier

    existing = ExternalIdentifier.objects.get()
    with pytest.raises(IntegrityError):
        ExternalIdentifier.objects.create(
            patient=existing.patient,
            clinic=existing.clinic,
            system="mrn",
            value="x",
            value_index=existing.value_index,
        )


def test_estimated_age_keeps_the_day_it_was_estimated_and_ages_with_time(personas):
    patient = make_patient(
        actor=personas.clinician,
        clinic=personas.clinic,
        preferred_name="Ana",
        birth_date_kind="estimated",
        birth_date=None,
        estimated_age=16,
    )
    assert patient.estimated_on is not None
    assert patient.is_minor(patient.estimated_on) is True
    two_years_on = patient.estimated_on.replace(year=patient.estimated_on.year + 2)
    assert patient.age(two_years_on) == 18
    assert patient.is_minor(two_years_on) is False


def test_unknown_age_is_neither_minor_nor_adult(personas):
    patient = make_patient(
        actor=personas.clinician,
        clinic=personas.clinic,
        preferred_name="Ana",
        birth_date_kind="unknown",
        birth_date=None,
    )
    assert patient.is_minor() is None


def test_editing_a_name_updates_search_at_once(personas):
    services.patient_update(
        actor=personas.clinician,
        patient=personas.patient,
        details=patient_details(preferred_name="Rosalind Vega"),
    )
    assert names_found(personas.clinician, "Rosalind Vega") == [personas.patient.pk]
    assert names_found(personas.clinician, "Delgado") == []
    assert AuditEvent.objects.filter(action="update", patient_id=personas.patient.pk).exists()


def test_changing_from_exact_to_unknown_birth_date_clears_the_date(personas):
    services.patient_update(
        actor=personas.clinician,
        patient=personas.patient,
        details=patient_details(birth_date_kind="unknown", birth_date=datetime.date(1998, 4, 17)),
    )
    personas.patient.refresh_from_db()
    assert personas.patient.birth_date is None


def test_adding_and_removing_an_alias_updates_search(personas):
    alias = services.alias_add(
        actor=personas.clinician, patient=personas.patient, name="Lucecita", kind="nickname"
    )
    assert names_found(personas.clinician, "Lucesita") == [personas.patient.pk]
    services.alias_remove(actor=personas.clinician, alias=alias)
    assert names_found(personas.clinician, "Lucecita") == []
    actions = AuditEvent.objects.filter(object_type="patients.patientalias").values_list(
        "action", flat=True
    )
    assert sorted(actions) == ["create", "delete"]


def test_care_team_membership_opens_and_closes_access_on_the_next_request(personas):
    services.care_team_add(
        actor=personas.clinician, patient=personas.patient, member=personas.colleague
    )
    assert Patient.objects.visible_to(personas.colleague).filter(pk=personas.patient.pk).exists()
    entry = CareTeamMember.objects.get(user=personas.colleague)
    services.care_team_remove(actor=personas.clinician, entry=entry)
    assert (
        not Patient.objects.visible_to(personas.colleague).filter(pk=personas.patient.pk).exists()
    )
    assert (
        AuditEvent.objects.filter(
            action="permission_change", patient_id=personas.patient.pk
        ).count()
        == 2
    )


def test_leaving_the_clinic_removes_access_even_while_on_the_care_team(personas):
    personas.clinician.clinics.clear()
    assert not Patient.objects.visible_to(personas.clinician).exists()


def test_a_deactivated_account_sees_nobody(personas):
    personas.clinician.is_active = False
    personas.clinician.save()
    assert not Patient.objects.visible_to(personas.clinician).exists()


@pytest.mark.parametrize(
    ("member", "message"),
    [("auditor", "Only clinicians, advocates and counselors"), ("outsider", "does not work at")],
)
def test_only_care_staff_of_the_patients_clinics_join_a_care_team(personas, member, message):
    with pytest.raises(services.RegistryError, match=message):
        services.care_team_add(
            actor=personas.clinician, patient=personas.patient, member=getattr(personas, member)
        )


def test_a_care_team_cannot_be_left_empty(personas):
    with pytest.raises(services.RegistryError, match="cannot be left empty"):
        services.care_team_remove(actor=personas.clinician, entry=personas.patient.care_team.get())


def test_counselors_and_advocates_can_register_patients(personas):
    counselor = UserFactory(role=Role.COUNSELOR, clinics=[personas.clinic])
    patient = make_patient(actor=counselor, clinic=personas.clinic, preferred_name="Ana")
    assert Patient.objects.visible_to(counselor).filter(pk=patient.pk).exists()


def test_contact_channel_preferences_are_stored_sealed_and_audited(personas):
    services.contact_channel_update(
        actor=personas.clinician,
        patient=personas.patient,
        channel="sms",
        values={
            "safety": "safe",
            "destination": "+1 555 0100",
            "voicemail_allowed": False,
            "time_windows": [{"days": [0, 1], "start": "09:00", "end": "12:00"}],
            "code_word": "lighthouse",
            "approved_wording": "Your appointment is confirmed.",
            "confirmed_at": datetime.date(2026, 1, 5),
        },
    )
    channel = ContactChannel.objects.get()
    assert channel.destination == "+1 555 0100"
    assert channel.time_windows == [{"days": [0, 1], "start": "09:00", "end": "12:00"}]
    assert AuditEvent.objects.filter(
        object_type="patients.contactchannel", category="contact"
    ).exists()


def test_changing_an_estimated_age_dates_the_new_estimate_today(personas):
    import time_machine

    with time_machine.travel(datetime.datetime(2020, 1, 1, 17, 0, tzinfo=datetime.UTC), tick=False):
        patient = make_patient(
            actor=personas.clinician,
            clinic=personas.clinic,
            preferred_name="Ana",
            birth_date_kind="estimated",
            birth_date=None,
            estimated_age=20,
        )
    assert patient.age() == 26  # the 2020 estimate has aged
    services.patient_update(
        actor=personas.clinician,
        patient=patient,
        details=patient_details(
            preferred_name="Ana", birth_date_kind="estimated", birth_date=None, estimated_age=16
        ),
    )
    patient.refresh_from_db()
    assert patient.age() == 16
    assert patient.is_minor() is True


def test_saving_the_current_estimate_again_keeps_its_date(personas):
    import time_machine

    with time_machine.travel(datetime.datetime(2020, 1, 1, 17, 0, tzinfo=datetime.UTC), tick=False):
        patient = make_patient(
            actor=personas.clinician,
            clinic=personas.clinic,
            preferred_name="Ana",
            birth_date_kind="estimated",
            birth_date=None,
            estimated_age=20,
        )
    services.patient_update(
        actor=personas.clinician,
        patient=patient,
        details=patient_details(
            preferred_name="Ana Maria",
            birth_date_kind="estimated",
            birth_date=None,
            estimated_age=patient.age(),
        ),
    )
    patient.refresh_from_db()
    assert patient.estimated_on == datetime.date(2020, 1, 1)
    assert patient.age() == 26


# --- Registration: one service decides in which order things are settled ------------------


def submit(personas, user=None, **overrides):
    values = {
        "actor": user or personas.clinician,
        "clinic": personas.clinic,
        "details": patient_details(preferred_name="Rosa Delgado"),
        "aliases": (),
        "mrn": "",
        "not_a_duplicate": False,
    }
    return services.registration_submit(**(values | overrides))


def test_a_likely_duplicate_is_shown_before_anyone_is_registered(personas):
    outcome = submit(personas)
    assert outcome.patient is None
    assert [match.patient for match in outcome.duplicates] == [personas.patient]
    assert Patient.objects.count() == 1


def test_a_duplicate_the_registrant_cannot_open_is_counted_not_shown(personas):
    outcome = submit(personas, user=personas.colleague)
    assert (outcome.patient, outcome.duplicates, outcome.hidden_duplicates) == (None, [], 1)


def test_a_number_in_use_is_refused_even_while_duplicates_are_shown(personas):
    outcome = submit(personas, mrn="RV-1001")
    assert outcome.patient is None
    assert outcome.duplicates
    assert (
        outcome.number_refused
        == "This medical record number is already in use at Riverside Clinic."
    )


def test_a_number_in_use_is_refused_after_duplicates_are_ruled_out(personas):
    outcome = submit(personas, mrn="RV-1001", not_a_duplicate=True)
    assert (outcome.patient, outcome.duplicates) == (None, [])
    assert "already in use" in outcome.number_refused
    assert Patient.objects.count() == 1


def test_ruling_out_duplicates_registers_the_patient(personas):
    outcome = submit(personas, mrn="RV-2002", not_a_duplicate=True, aliases=[("Rosi", "street")])
    assert outcome.patient is not None
    assert outcome.patient.is_cared_for_by(personas.clinician)
    assert list(outcome.patient.aliases.values_list("name", flat=True)) == ["Rosi"]


def test_a_new_name_with_no_duplicates_is_registered_at_once(personas):
    outcome = submit(personas, details=patient_details(preferred_name="Marisol Quintero"))
    assert outcome.patient is not None
    assert outcome.duplicates == []
