"""Visits: the list, starting one, the visit page with its before-you-begin card, care
preferences, visit details, instructions and ending a visit; who may do each."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lantern.audit.models import AuditEvent
from lantern.encounters import services
from lantern.encounters.models import CarePreferences, Encounter
from lantern.patients import emergency
from tests.encounters.conftest import url
from tests.factories import ClinicFactory, UserFactory

START = {
    "kind": "emergency",
    "companion": "stepped_out",
    "companion_relationship": "cousin",
    "interpreter": "in_person",
}


def visits_url(personas):
    return reverse("encounters:visits", args=[personas.patient.pk])


def test_the_patient_page_links_to_visits_and_counts_open_ones(personas, client_for, visit):
    page = client_for(personas.clinician).get(
        reverse("patients:detail", args=[personas.patient.pk])
    )
    text = page.content.decode()
    assert visits_url(personas) in text
    assert "1 visit is open." in text


def test_a_clinician_starts_a_visit_with_who_is_in_the_room(personas, client_for):
    nurse = UserFactory(display_name="Nurse Okafor", clinics=[personas.clinic])
    data = {**START, "clinic": personas.clinic.pk, "staff_present": [nurse.pk]}
    response = client_for(personas.clinician).post(visits_url(personas), data)
    visit = Encounter.objects.get()
    assert response.url == url("visit", visit)
    assert (visit.kind, visit.companion, visit.interpreter) == (
        "emergency",
        "stepped_out",
        "in_person",
    )
    assert visit.companion_relationship == "cousin"
    assert set(visit.staff_present.all()) == {personas.clinician, nurse}
    assert AuditEvent.objects.filter(
        action="create", category="exam", object_id=str(visit.pk)
    ).exists()


def test_only_the_users_clinics_that_are_the_patients_are_offered(personas, client_for):
    elsewhere = ClinicFactory(health_system=personas.clinic.health_system, name="Hilltop Clinic")
    personas.clinician.clinics.add(elsewhere)
    page = client_for(personas.clinician).get(visits_url(personas)).content.decode()
    assert "Riverside Clinic" in page
    assert "Hilltop Clinic" not in page
    response = client_for(personas.clinician).post(
        visits_url(personas), {**START, "clinic": elsewhere.pk}
    )
    assert response.status_code == 200
    assert not Encounter.objects.exists()


def test_a_bad_start_shows_what_was_typed_and_stores_nothing(personas, client_for):
    data = {**START, "companion": "came_alone", "companion_relationship": "employer"}
    response = client_for(personas.clinician).post(
        visits_url(personas), {**data, "clinic": personas.clinic.pk}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "The patient came alone" in page
    assert 'value="employer"' in page
    assert not Encounter.objects.exists()


@pytest.mark.parametrize(
    ("persona", "status"),
    [("clinician", 200), ("colleague", 404), ("outsider", 404), ("auditor", 403), ("admin", 403)],
)
def test_the_visit_page_opens_only_for_the_care_team(personas, client_for, visit, persona, status):
    user = personas.by_name(persona)
    response = client_for(user).get(url("visit", visit))
    assert response.status_code == status
    outcome = "success" if status == 200 else "denied"
    assert AuditEvent.objects.filter(
        actor=user, patient_id=personas.patient.pk, action="read", outcome=outcome
    ).exists()


def test_a_visit_of_another_patient_is_not_found(personas, client_for, visit):
    from tests.factories import make_patient

    other = make_patient(actor=personas.clinician, clinic=personas.clinic, preferred_name="Mia")
    response = client_for(personas.clinician).get(
        reverse("encounters:visit", args=[other.pk, visit.pk])
    )
    assert response.status_code == 404


def test_every_staff_member_sees_the_care_preferences_before_they_begin(
    personas, client_for, visit
):
    services.care_preferences_update(
        actor=personas.clinician,
        patient=personas.patient,
        clinician_gender="woman",
        chaperone=True,
        not_present="Her boyfriend Marco",
        do_not="Do not lie her flat on her back",
    )
    page = client_for(personas.clinician).get(url("visit", visit)).content.decode()
    card = page[page.index("Before you begin") : page.index("Sections of this visit")]
    for shown in (
        "A woman",
        "Wants a chaperone present",
        "Her boyfriend Marco",
        "flat on her back",
    ):
        assert shown in card
    assert "Ask before each step" in card
    assert "an account that changes" in card
    assert page.index("Before you begin") < page.index('id="consent-heading"')


def test_no_preferences_yet_prompts_staff_to_ask(personas, client_for, visit):
    page = client_for(personas.clinician).get(url("visit", visit)).content.decode()
    assert "No care preferences recorded yet." in page
    assert (
        reverse("encounters:preferences", args=[personas.patient.pk]) + f"?visit={visit.pk}" in page
    )


def test_care_preferences_are_saved_and_lead_back_to_the_visit(personas, client_for, visit):
    client = client_for(personas.clinician)
    address = reverse("encounters:preferences", args=[personas.patient.pk]) + f"?visit={visit.pk}"
    assert client.get(address).status_code == 200
    response = client.post(
        address,
        {"clinician_gender": "non_binary", "support_person": "Ana, her advocate", "do_not": ""},
    )
    assert response.url == url("visit", visit)
    saved = CarePreferences.objects.get(patient=personas.patient)
    assert (saved.clinician_gender, saved.support_person) == ("non_binary", "Ana, her advocate")
    assert saved.updated_by == personas.clinician
    assert AuditEvent.objects.filter(
        action="update", category="sdv", detail__contains="care"
    ).exists()


def test_care_preferences_refuse_bad_input_and_keep_it(personas, client_for):
    response = client_for(personas.clinician).post(
        reverse("encounters:preferences", args=[personas.patient.pk]),
        {"clinician_gender": "robot", "support_person": "Ana\x1b[31m"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Select a valid choice" in page
    assert "invisible control character" in page
    assert not CarePreferences.objects.exists()


def test_visit_details_change_during_the_visit(personas, client_for, visit):
    client = client_for(personas.clinician)
    address = url("visit_edit", visit)
    assert client.get(address).status_code == 200
    response = client.post(
        address,
        {"companion": "stayed", "companion_relationship": "employer", "interpreter": "remote"},
    )
    assert response.url == url("visit", visit)
    visit.refresh_from_db()
    assert (visit.companion, visit.interpreter) == ("stayed", "remote")
    page = client.get(url("visit", visit)).content.decode()
    assert "still in the room" in page


def test_instructions_are_saved_and_the_visit_can_be_ended(personas, client_for, visit):
    client = client_for(personas.clinician)
    client.post(url("instructions", visit), {"patient_instructions": "Drink water.\nRest."})
    visit.refresh_from_db()
    assert visit.patient_instructions == "Drink water.\nRest."
    response = client.post(url("visit_end", visit))
    assert response.url == url("visit", visit)
    visit.refresh_from_db()
    assert visit.ended_at is not None
    page = client.get(url("visit", visit)).content.decode()
    assert "This visit has ended." in page
    assert "Record injury" not in page


def test_emergency_access_reads_the_visit_but_changes_nothing(personas, client_for, visit):
    search = emergency.emergency_search_start(
        actor=personas.colleague, reason="Unconscious patient, needs allergy history"
    )
    emergency.emergency_access_open(
        actor=personas.colleague, grant=search, patient=personas.patient
    )
    client = client_for(personas.colleague)
    page = client.get(url("visit", visit)).content.decode()
    assert "Before you begin" in page
    assert "you can read this visit but not change it" in page
    assert "Record decision" not in page
    assert "End the visit" not in page
    for name, data in (
        ("visit_end", {}),
        ("instructions", {"patient_instructions": "x"}),
        ("consent_add", {"scope": "touch", "status": "given", "method": "verbal"}),
    ):
        assert client.post(url(name, visit), data).status_code == 404
    assert client.get(url("visit_edit", visit)).status_code == 404
    visit.refresh_from_db()
    assert visit.ended_at is None
    assert AuditEvent.objects.filter(
        actor=personas.colleague, outcome="denied", detail="emergency access is read-only"
    ).exists()


def test_visit_pages_carry_no_inline_script_or_style(personas, visit):
    """The pages' policy forbids inline script and style; the body map uses classes only."""
    from tests.clients import stepped_up
    from tests.encounters.conftest import give
    from tests.encounters.test_photos import jpeg_with_gps

    give(personas, visit, "photographs", "general_exam")
    injury = services.injury_record(
        actor=personas.clinician,
        encounter=visit,
        side="back",
        region="upper_back",
        kind="ligature",
        healing="healed",
    )
    services.photo_store(actor=personas.clinician, injury=injury, data=jpeg_with_gps())
    client = stepped_up(personas.clinician)
    for address in (
        visits_url(personas),
        reverse("encounters:preferences", args=[personas.patient.pk]),
        url("visit", visit),
        url("visit_edit", visit),
        url("photos", visit),
        url("summary", visit),
    ):
        page = client.get(address).content.decode()
        for forbidden in ("<script>", " style=", "<style", "onclick=", "javascript:"):
            assert forbidden not in page, f"{address} contains {forbidden}"
    page = client.post(url("summary_print", visit), {"hotline": "on"}).content.decode()
    for forbidden in ("<script>", " style=", "<style", "onclick=", "javascript:"):
        assert forbidden not in page, f"summary print contains {forbidden}"


def test_the_visit_page_runs_a_fixed_number_of_queries(personas, client_for, visit):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.encounters.conftest import give, url

    client = client_for(personas.clinician)
    give(personas, visit, "disclose_referral", recipient="Org 0")
    with CaptureQueriesContext(connection) as few:
        client.get(url("visit", visit))
    for n in range(1, 6):
        give(personas, visit, "disclose_referral", recipient=f"Org {n}")
    with CaptureQueriesContext(connection) as many:
        page = client.get(url("visit", visit)).content.decode()
    assert "Org 5" in page
    assert len(many.captured_queries) == len(few.captured_queries)
