from __future__ import annotations

import pytest
from django.urls import reverse

from lantern.audit.models import AuditEvent


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("clinician", 200),
        ("colleague", 404),
        ("outsider", 404),
        ("auditor", 403),
        ("admin", 403),
        ("manager", 403),
    ],
)
def test_patient_page_opens_only_for_the_care_team(personas, client_for, persona, status):
    url = reverse("patients:detail", args=[personas.patient.pk])
    response = client_for(personas.by_name(persona)).get(url)
    assert response.status_code == status
    if status == 200:
        assert "Rosa Delgado" in response.content.decode()
        assert "Sunny" in response.content.decode()
    outcome = "success" if status == 200 else "denied"
    assert AuditEvent.objects.filter(
        patient_id=personas.patient.pk,
        action="read",
        outcome=outcome,
        actor=personas.by_name(persona),
    ).exists()


def test_anonymous_visitor_is_sent_to_sign_in(personas, client_for):
    response = client_for(None).get(reverse("patients:detail", args=[personas.patient.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def _request_as(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = user
    return request


def test_patient_for_gives_the_patient_with_the_callers_write_right(personas):
    from lantern.patients import emergency
    from lantern.patients.access import patient_for

    patient, can_write = patient_for(_request_as(personas.clinician), personas.patient.pk)
    assert (patient, can_write) == (personas.patient, True)
    search = emergency.emergency_search_start(
        actor=personas.colleague, reason="Unconscious patient, needs medication history"
    )
    emergency.emergency_access_open(actor=personas.colleague, grant=search, patient=patient)
    patient, can_write = patient_for(_request_as(personas.colleague), personas.patient.pk)
    assert (patient, can_write) == (personas.patient, False)


def test_patient_for_writing_refuses_emergency_access_and_audits_it(personas):
    from django.http import Http404

    from lantern.patients import emergency
    from lantern.patients.access import patient_for

    search = emergency.emergency_search_start(
        actor=personas.colleague, reason="Unconscious patient, needs medication history"
    )
    emergency.emergency_access_open(
        actor=personas.colleague, grant=search, patient=personas.patient
    )
    with pytest.raises(Http404):
        patient_for(_request_as(personas.colleague), personas.patient.pk, write=True)
    assert AuditEvent.objects.filter(
        actor=personas.colleague, outcome="denied", detail="emergency access is read-only"
    ).exists()
