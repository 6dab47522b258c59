"""The care-plan pages: made from the visit, shown on the chart with countdowns, owned,
changed with who and when, booked; only the care team changes them."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from lantern.audit.models import AuditEvent
from lantern.careplans.models import Activity
from tests.careplans.conftest import assess
from tests.clients import signed_in

pytestmark = pytest.mark.django_db


def plan_url(personas, name="plan", **kwargs):
    return reverse(f"careplans:{name}", kwargs={"patient_id": personas.patient.pk, **kwargs})


def text(response):
    return html.unescape(response.content.decode())


@pytest.fixture
def generated(personas, visit):
    assess(personas, visit)
    response = signed_in(personas.clinician).post(plan_url(personas, "generate", visit_id=visit.pk))
    assert response.status_code == 302
    assert response.url == plan_url(personas)
    return visit


def test_the_visit_makes_the_plan_and_the_chart_counts_down(personas, generated):
    client = signed_in(personas.clinician)
    plan = text(client.get(plan_url(personas)))
    assert "nPEP window closes in 14 h (Tue 19:00)" in plan
    assert "protocol sa-followup-v1 1.1.0" in plan
    chart = text(client.get(reverse("patients:detail", args=[personas.patient.pk])))
    assert "nPEP window closes in 14 h (Tue 19:00)" in chart
    assert "Emergency contraception window closes in 2 days (Thu 19:00)" in chart
    assert AuditEvent.objects.filter(
        action="read", category="sdv", actor=personas.clinician, patient_id=personas.patient.pk
    ).exists()


def test_the_visit_page_offers_to_make_the_plan_then_to_complete_it(personas, visit):
    client = signed_in(personas.clinician)
    visit_url = reverse("encounters:visit", args=[personas.patient.pk, visit.pk])
    assert "Make the care plan" not in text(client.get(visit_url))
    assess(personas, visit)
    assert "Make the care plan" in text(client.get(visit_url))
    client.post(plan_url(personas, "generate", visit_id=visit.pk))
    assert "Add what is missing to the care plan" in text(client.get(visit_url))


def test_a_manual_activity_is_added_and_bad_input_keeps_what_was_typed(personas, generated):
    client = signed_in(personas.clinician)
    failed = client.post(
        plan_url(personas, "activity_add"),
        {"kind": "housing", "title": "Shelter bed at Casa Esperanza", "due": ""},
    )
    assert failed.status_code == 200
    assert 'value="Shelter bed at Casa Esperanza"' in text(failed)
    assert "field--error" in text(failed)
    client.post(
        plan_url(personas, "activity_add"),
        {
            "kind": "housing",
            "title": "Shelter bed at Casa Esperanza",
            "due": "2026-04-16T10:00",
            "owner": personas.clinician.pk,
        },
    )
    housing = Activity.objects.get(code="housing")
    assert (housing.category, housing.owner, housing.protocol_id) == (
        "social",
        personas.clinician,
        "",
    )
    assert "Shelter bed at Casa Esperanza" in text(client.get(plan_url(personas)))


def test_a_status_change_shows_who_and_when(personas, generated):
    npep = Activity.objects.get(code="hiv-npep")
    client = signed_in(personas.clinician)
    client.post(
        plan_url(personas, "activity_status", activity_id=npep.pk),
        {f"a{npep.pk}-status-status": "done", f"a{npep.pk}-status-note": "First dose given"},
    )
    npep.refresh_from_db()
    assert npep.status == "done"
    page = text(client.get(plan_url(personas)))
    who = personas.clinician.display_name
    assert f"2026-04-14 05:00 · {who}: Planned → Done (First dose given)" in page
    assert "nPEP window closes" not in page  # a done window counts down no more


def test_an_appointment_schedules_the_activity(personas, generated):
    exam = Activity.objects.get(code="followup-exam")
    signed_in(personas.clinician).post(
        plan_url(personas, "appointment_add", activity_id=exam.pk),
        {
            f"a{exam.pk}-appointment-starts_at": "2026-04-21T09:30",
            f"a{exam.pk}-appointment-place": "Room 2",
        },
    )
    exam.refresh_from_db()
    assert exam.status == "scheduled"
    assert exam.appointments.get().place == "Room 2"


def test_the_owner_can_be_changed_to_someone_on_the_care_team_only(personas, generated):
    exam = Activity.objects.get(code="followup-exam")
    client = signed_in(personas.clinician)
    refused = client.post(
        plan_url(personas, "activity_owner", activity_id=exam.pk),
        {f"a{exam.pk}-owner-owner": personas.colleague.pk},  # not on the care team
    )
    assert refused.status_code == 200
    assert "field--error" in text(refused)
    client.post(
        plan_url(personas, "activity_owner", activity_id=exam.pk), {f"a{exam.pk}-owner-owner": ""}
    )
    exam.refresh_from_db()
    assert exam.owner is None


def test_only_the_care_team_opens_or_changes_the_plan(personas, generated):
    npep = Activity.objects.get(code="hiv-npep")
    for persona in (personas.colleague, personas.outsider):
        client = signed_in(persona)
        assert client.get(plan_url(personas)).status_code == 404
        response = client.post(
            plan_url(personas, "activity_status", activity_id=npep.pk),
            {f"a{npep.pk}-status-status": "cancelled"},
        )
        assert response.status_code == 404
    npep.refresh_from_db()
    assert npep.status == "planned"
