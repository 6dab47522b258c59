"""One patient's record access history (accounting of disclosures) for privacy officers."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lantern.accounts.models import Role
from lantern.audit.models import Action, AuditEvent, Outcome
from lantern.audit.services import audit_record
from tests.factories import UserFactory, make_patient


def history_url(patient_id) -> str:
    return reverse("patients:access_history", args=[patient_id])


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("auditor", 200),
        ("clinician", 404),
        ("colleague", 404),
        ("outsider", 404),
        ("admin", 404),
        ("manager", 404),
    ],
)
def test_only_a_privacy_officer_at_the_patients_clinic_opens_it(
    personas, client_for, persona, status
):
    user = personas.by_name(persona)
    response = client_for(user).get(history_url(personas.patient.pk))
    assert response.status_code == status
    outcome = "success" if status == 200 else "denied"
    assert AuditEvent.objects.filter(
        actor=user, patient_id=personas.patient.pk, action="read", outcome=outcome
    ).exists()


def test_a_privacy_officer_at_another_clinic_is_not_told_the_patient_exists(personas, client_for):
    elsewhere = UserFactory(role=Role.PRIVACY_OFFICER, clinics=[personas.other_clinic])
    response = client_for(elsewhere).get(history_url(personas.patient.pk))
    assert response.status_code == 404
    ghost = client_for(elsewhere).get(history_url(uuid.uuid4()))
    assert ghost.status_code == 404
    assert AuditEvent.objects.filter(actor=elsewhere, outcome="denied").count() == 2


def test_anonymous_visitors_are_sent_to_sign_in(personas, client_for):
    response = client_for(None).get(history_url(personas.patient.pk))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_it_lists_who_touched_the_record_newest_first(personas, client_for):
    audit_record(action=Action.READ, actor=personas.clinician, patient_id=personas.patient.pk)
    audit_record(action=Action.EXPORT, actor=personas.clinician, patient_id=personas.patient.pk)
    audit_record(
        action=Action.READ,
        actor=personas.outsider,
        patient_id=personas.patient.pk,
        outcome=Outcome.DENIED,
    )
    other = make_patient(actor=personas.clinician, clinic=personas.clinic, preferred_name="Ana")
    audit_record(action=Action.READ, actor=personas.clinician, patient_id=other.pk)

    response = client_for(personas.auditor).get(history_url(personas.patient.pk))
    entries = list(response.context["page"].object_list)
    assert {entry.patient_id for entry in entries} == {personas.patient.pk}
    sequences = [entry.sequence for entry in entries]
    assert sequences == sorted(sequences, reverse=True)
    # The officer's own look comes first: reading the history is itself recorded.
    assert (entries[0].actor_label, entries[0].category) == ("auditor", "audit")
    actions = [(entry.actor_label, entry.action, entry.outcome) for entry in entries]
    assert ("outsider", "read", "denied") in actions
    assert ("clinician", "export", "success") in actions
    assert ("clinician", "create", "success") in actions  # the registration


def test_the_heading_names_the_patient_but_the_title_and_trail_do_not(personas, client_for):
    response = client_for(personas.auditor).get(history_url(personas.patient.pk))
    html = response.content.decode()
    assert "Rosa Delgado" in html.split("<h1>", 1)[1].split("</h1>", 1)[0]
    title = html.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "Record access history" in title
    assert "Rosa" not in title
    assert "Rosa" not in str(list(AuditEvent.objects.values_list()))


def test_the_history_costs_the_same_queries_however_long_it_is(personas, client_for):
    quiet = make_patient(actor=personas.clinician, clinic=personas.clinic, preferred_name="Ana")
    for _ in range(60):
        audit_record(action=Action.READ, actor=personas.clinician, patient_id=personas.patient.pk)
    client = client_for(personas.auditor)
    client.get(history_url(quiet.pk))  # settle the session first

    def queries(patient_id) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(history_url(patient_id)).status_code == 200
        return len(captured)

    assert queries(quiet.pk) == queries(personas.patient.pk)
