"""The private-screening gate for a patient who needs an interpreter: a professional one, or
a recorded reason and a warning wherever the screening's answers are read."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lantern.patients import services as patient_services
from lantern.screening import services
from lantern.screening.models import ScreeningSession
from tests.factories import patient_details

REASON = "Patient asked to continue in English with me; interpreter line down."


@pytest.fixture
def session(personas):
    patient_services.patient_update(
        actor=personas.clinician,
        patient=personas.patient,
        details=patient_details(preferred_language="es", interpreter_needed=True),
    )
    return services.screening_start(
        actor=personas.clinician,
        patient=personas.patient,
        instrument_ids=["lantern-indicators"],
        language="en",
    )


def privacy_url(personas, session):
    return reverse("screening:privacy", args=[personas.patient.pk, session.pk])


def test_the_gate_refuses_no_interpreter_without_a_reason(personas, client_for, session):
    client = client_for(personas.clinician)
    page = client.get(privacy_url(personas, session)).content.decode()
    assert "This patient needs a professional interpreter (Spanish)." in page
    assert "No professional interpreter (say why below)" in page
    refused = client.post(
        privacy_url(personas, session), {"method": "came_alone", "interpretation": "not_needed"}
    )
    assert refused.status_code == 200
    assert "Use one, or say why there is none." in refused.content.decode()
    session.refresh_from_db()
    assert not session.privacy_confirmed
    with pytest.raises(services.ScreeningError):
        services.privacy_record(
            actor=personas.clinician,
            session=session,
            method="came_alone",
            interpretation="not_needed",
        )


def test_a_recorded_reason_lets_the_screen_go_on_with_a_visible_warning(
    personas, client_for, session
):
    client = client_for(personas.clinician)
    accepted = client.post(
        privacy_url(personas, session),
        {"method": "came_alone", "interpretation": "not_needed", "interpreter_reason": REASON},
    )
    ask = reverse("screening:ask", args=[personas.patient.pk, session.pk, "lantern-indicators"])
    assert accepted.url == ask
    session = ScreeningSession.objects.get()
    assert session.interpreter_reason == REASON
    for url in (ask, reverse("screening:session", args=[personas.patient.pk, session.pk])):
        page = client.get(url).content.decode()
        assert "No professional interpreter, although this patient needs one (Spanish)." in page
        assert REASON in page


def test_a_professional_interpreter_passes_the_gate_without_a_warning(
    personas, client_for, session
):
    client = client_for(personas.clinician)
    accepted = client.post(
        privacy_url(personas, session),
        {"method": "came_alone", "interpretation": "professional_remote"},
    )
    page = client.get(accepted.url).content.decode()
    assert "although this patient needs one" not in page
    assert ScreeningSession.objects.get().interpreter_reason == ""


def test_a_patient_who_needs_no_interpreter_is_asked_for_no_reason(personas, client_for):
    session = services.screening_start(
        actor=personas.clinician,
        patient=personas.patient,
        instrument_ids=["lantern-indicators"],
        language="en",
    )
    client = client_for(personas.clinician)
    page = client.get(privacy_url(personas, session)).content.decode()
    assert "interpreter_reason" not in page
    accepted = client.post(
        privacy_url(personas, session), {"method": "came_alone", "interpretation": "not_needed"}
    )
    assert accepted.status_code == 302
