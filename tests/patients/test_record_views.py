"""The search page and the patient page with its small forms."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lantern.audit.models import AuditEvent
from lantern.patients import services
from lantern.patients.models import ContactChannel, ContactPlan, Patient
from tests.factories import UserFactory, make_patient


def detail(personas):
    return reverse("patients:detail", args=[personas.patient.pk])


def test_search_page_finds_by_misspelled_alias_and_audits_without_the_query(personas, client_for):
    response = client_for(personas.clinician).post(reverse("patients:search"), {"q": "Sunyy"})
    page = response.content.decode()
    assert "1 patient found" in page
    assert detail(personas) in page
    entry = AuditEvent.objects.get(action="search")
    assert entry.detail == "1 results"
    assert "Suny" not in str(AuditEvent.objects.values_list())


def test_search_from_htmx_returns_only_the_results_fragment(personas, client_for):
    response = client_for(personas.clinician).post(
        reverse("patients:search"), {"q": "rosa"}, headers={"HX-Request": "true"}
    )
    page = response.content.decode()
    assert "<html" not in page
    assert "Rosa Delgado" in page


def test_search_with_no_match_says_so(personas, client_for):
    page = (
        client_for(personas.clinician)
        .post(reverse("patients:search"), {"q": "Zbigniew"})
        .content.decode()
    )
    assert "No patient on your care teams matches this search." in page


def test_search_results_page_runs_a_fixed_number_of_queries(personas, client_for):
    client = client_for(personas.clinician)
    url = reverse("patients:search")
    with CaptureQueriesContext(connection) as one:
        assert "1 patient found" in client.post(url, {"q": "Rosa Delgado"}).content.decode()
    for n in range(15):
        make_patient(
            actor=personas.clinician,
            clinic=personas.clinic,
            preferred_name=f"Rosa Delgado {n}",
            aliases=(("Sunny", "street"),),
        )
    with CaptureQueriesContext(connection) as many:
        assert "16 patients found" in client.post(url, {"q": "Rosa Delgado"}).content.decode()
    assert len(many.captured_queries) == len(one.captured_queries)


def test_patient_page_runs_a_fixed_number_of_queries(personas, client_for):
    client = client_for(personas.clinician)
    with CaptureQueriesContext(connection) as few:
        client.get(detail(personas))
    for n in range(5):
        services.alias_add(actor=personas.clinician, patient=personas.patient, name=f"Alias {n}")
        services.care_team_add(
            actor=personas.clinician,
            patient=personas.patient,
            member=UserFactory(clinics=[personas.clinic]),
        )
    services.contact_channel_update(
        actor=personas.clinician,
        patient=personas.patient,
        channel="call",
        values={
            "safety": "safe",
            "destination": "555",
            "time_windows": [],
            "voicemail_allowed": True,
            "code_word": "",
            "approved_wording": "",
            "confirmed_at": None,
        },
    )
    with CaptureQueriesContext(connection) as more:
        page = client.get(detail(personas)).content.decode()
    assert "Alias 4" in page
    assert len(more.captured_queries) == len(few.captured_queries)


def test_editing_details_saves_and_redisplays(personas, client_for):
    client = client_for(personas.clinician)
    url = reverse("patients:edit", args=[personas.patient.pk])
    form = client.get(url).context["form"]
    data = {name: ("" if value is None else value) for name, value in form.initial.items()}
    data.update(preferred_name="Rosa D.", pronouns="they/them", interpreter_needed="")
    response = client.post(url, data)
    assert response.status_code == 302
    personas.patient.refresh_from_db()
    assert personas.patient.preferred_name == "Rosa D."
    assert personas.patient.pronouns == "they/them"


def test_editing_with_a_future_birth_date_is_refused(personas, client_for):
    client = client_for(personas.clinician)
    url = reverse("patients:edit", args=[personas.patient.pk])
    data = {
        name: ("" if v is None else v)
        for name, v in client.get(url).context["form"].initial.items()
    }
    data["birth_date"] = "2999-12-31"
    response = client.post(url, data)
    assert "cannot be in the future" in response.content.decode()
    personas.patient.refresh_from_db()
    assert str(personas.patient.birth_date) == "1998-04-17"


def test_an_alias_is_added_and_removed_from_the_patient_page(personas, client_for):
    client = client_for(personas.clinician)
    response = client.post(
        reverse("patients:alias_add", args=[personas.patient.pk]),
        {"new-alias-name": "Rosita", "new-alias-kind": "nickname"},
    )
    assert response.status_code == 302
    alias = personas.patient.aliases.get(kind="nickname")
    client.post(reverse("patients:alias_remove", args=[personas.patient.pk, alias.pk]))
    assert not personas.patient.aliases.filter(pk=alias.pk).exists()


def test_an_empty_alias_is_refused_on_the_patient_page(personas, client_for):
    response = client_for(personas.clinician).post(
        reverse("patients:alias_add", args=[personas.patient.pk]),
        {"new-alias-name": "", "new-alias-kind": "street"},
    )
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()


def test_another_patients_alias_cannot_be_removed_through_this_patient(personas, client_for):
    other = make_patient(
        actor=personas.clinician,
        clinic=personas.clinic,
        preferred_name="Ana",
        aliases=(("Anita", "nickname"),),
    )
    alias = other.aliases.get()
    response = client_for(personas.clinician).post(
        reverse("patients:alias_remove", args=[personas.patient.pk, alias.pk])
    )
    assert response.status_code == 404
    assert other.aliases.exists()


def test_a_duplicate_record_number_on_the_patient_page_keeps_what_was_typed(personas, client_for):
    other = make_patient(actor=personas.clinician, clinic=personas.clinic, preferred_name="Ana")
    response = client_for(personas.clinician).post(
        reverse("patients:identifier_add", args=[other.pk]),
        {"new-id-clinic": personas.clinic.pk, "new-id-value": "rv-1001"},
    )
    page = response.content.decode()
    assert "already in use at Riverside Clinic" in page
    assert 'value="rv-1001"' in page
    assert not other.identifiers.exists()


def test_a_record_number_is_added_and_removed(personas, client_for):
    client = client_for(personas.clinician)
    client.post(
        reverse("patients:identifier_add", args=[personas.patient.pk]),
        {"new-id-clinic": personas.clinic.pk, "new-id-value": "RV-9"},
    )
    identifier = personas.patient.identifiers.order_by("-pk").first()
    assert identifier.value == "RV-9"
    client.post(reverse("patients:identifier_remove", args=[personas.patient.pk, identifier.pk]))
    assert [i.value for i in personas.patient.identifiers.all()] == ["RV-1001"]


def test_care_team_is_managed_from_the_patient_page(personas, client_for):
    client = client_for(personas.clinician)
    response = client.post(
        reverse("patients:care_team_add", args=[personas.patient.pk]),
        {"team-member": personas.colleague.pk},
    )
    assert response.status_code == 302
    assert client_for(personas.colleague).get(detail(personas)).status_code == 200
    entry = personas.patient.care_team.get(user=personas.colleague)
    client.post(reverse("patients:care_team_remove", args=[personas.patient.pk, entry.pk]))
    assert client_for(personas.colleague).get(detail(personas)).status_code == 404


def test_someone_from_another_clinic_cannot_be_added_to_the_care_team(personas, client_for):
    response = client_for(personas.clinician).post(
        reverse("patients:care_team_add", args=[personas.patient.pk]),
        {"team-member": personas.outsider.pk},
    )
    assert "Select a valid choice" in response.content.decode()
    assert not personas.patient.care_team.filter(user=personas.outsider).exists()


def test_the_last_care_team_member_cannot_be_removed(personas, client_for):
    entry = personas.patient.care_team.get()
    response = client_for(personas.clinician).post(
        reverse("patients:care_team_remove", args=[personas.patient.pk, entry.pk]), follow=True
    )
    assert "cannot be left empty" in response.content.decode()
    assert personas.patient.care_team.exists()


def test_do_not_contact_is_saved_and_shown_as_a_warning(personas, client_for):
    client = client_for(personas.clinician)
    response = client.post(
        reverse("patients:contact_plan", args=[personas.patient.pk]),
        {"do_not_contact": "on", "notes": "Call only the shelter.", "confirmed_at": "2026-11-01"},
    )
    assert response.status_code == 302
    assert ContactPlan.objects.get(patient=personas.patient).do_not_contact is True
    page = client.get(detail(personas)).content.decode()
    assert "No one from the clinic may contact this patient by any channel." in page
    assert "Call only the shelter." in page


def channel_data(**overrides):
    data = {
        "safety": "safe",
        "destination": "+1 555 0100",
        "voicemail_allowed": "",
        "code_word": "lighthouse",
        "approved_wording": "Your appointment is confirmed.",
        "confirmed_at": "2026-11-20",
        "window-TOTAL_FORMS": "3",
        "window-INITIAL_FORMS": "0",
        "window-0-days": ["0", "1", "2", "3", "4"],
        "window-0-start": "09:00",
        "window-0-end": "12:00",
    }
    data.update(overrides)
    return data


def test_a_safe_text_channel_with_a_time_window_is_saved_and_summarised(personas, client_for):
    client = client_for(personas.clinician)
    response = client.post(
        reverse("patients:contact_channel", args=[personas.patient.pk, "sms"]), channel_data()
    )
    assert response.status_code == 302
    channel = ContactChannel.objects.get(patient=personas.patient, channel="sms")
    assert channel.time_windows == [{"days": [0, 1, 2, 3, 4], "start": "09:00", "end": "12:00"}]
    page = client.get(detail(personas)).content.decode()
    assert "Monday, Tuesday, Wednesday, Thursday, Friday 09:00\u201312:00" in page
    assert "lighthouse" in page
    # The form shows what is stored when opened again.
    again = client.get(
        reverse("patients:contact_channel", args=[personas.patient.pk, "sms"])
    ).content.decode()
    assert 'value="+1 555 0100"' in again


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"destination": ""}, "A safe channel needs the number or address to use."),
        ({"window-0-end": "09:00"}, "The end time must differ from the start time."),
        ({"window-0-days": []}, "Choose at least one day."),
        ({"window-0-end": ""}, "Enter both times."),
        ({"confirmed_at": "2999-01-01"}, "This date cannot be in the future."),
    ],
)
def test_an_impossible_channel_is_refused_and_nothing_is_saved(
    personas, client_for, overrides, message
):
    response = client_for(personas.clinician).post(
        reverse("patients:contact_channel", args=[personas.patient.pk, "sms"]),
        channel_data(**overrides),
    )
    assert message in response.content.decode()
    assert not ContactChannel.objects.exists()


def test_an_unknown_channel_is_not_found(personas, client_for):
    response = client_for(personas.clinician).get(
        reverse("patients:contact_channel", args=[personas.patient.pk, "carrier-pigeon"])
    )
    assert response.status_code == 404


def test_patient_pages_forbid_caching(personas, client_for):
    response = client_for(personas.clinician).get(detail(personas))
    assert "no-store" in response["Cache-Control"]
    assert Patient.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "child", "detail"),
    [
        ("patients:alias_remove", lambda p: p.aliases.get().pk, "alias not of this patient"),
        (
            "patients:identifier_remove",
            lambda p: p.identifiers.get().pk,
            "record number not of this patient",
        ),
        (
            "patients:care_team_remove",
            lambda p: p.care_team.get().pk,
            "care team member not of this patient",
        ),
    ],
)
def test_a_child_record_of_another_patient_is_refused_and_audited(
    personas, client_for, name, child, detail
):
    other = make_patient(
        actor=personas.clinician,
        clinic=personas.clinic,
        preferred_name="Ana",
        aliases=(("Anita", "nickname"),),
        mrn="RV-2002",
    )
    response = client_for(personas.clinician).post(
        reverse(name, args=[personas.patient.pk, child(other)])
    )
    assert response.status_code == 404
    assert AuditEvent.objects.filter(
        actor=personas.clinician,
        patient_id=personas.patient.pk,
        outcome="denied",
        detail=detail,
    ).exists()
    assert (other.aliases.count(), other.identifiers.count(), other.care_team.count()) == (1, 1, 1)
