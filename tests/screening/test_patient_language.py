"""Screening starts in the patient's preferred language; the tablet offers it first."""

from __future__ import annotations

import re

from django.urls import reverse

from lantern.patients import services as patient_services
from lantern.screening import services
from tests.factories import patient_details


def selected_language(page):
    """The language chosen in the start form (not in the page header's language switch)."""
    start = page.index('id="id_language"')
    select = page[start : page.index("</select>", start)]
    return re.findall(r'<option value="(\w+)" selected', select)


def test_screening_defaults_to_the_patients_preferred_language(personas, client_for):
    # Rosa prefers Spanish; the staff member works in English.
    page = client_for(personas.clinician).get(
        reverse("screening:overview", args=[personas.patient.pk])
    )
    assert selected_language(page.content.decode()) == ["es"]


def test_a_language_without_questionnaires_falls_back_and_says_so(personas, client_for):
    patient_services.patient_update(
        actor=personas.clinician,
        patient=personas.patient,
        details=patient_details(preferred_language="ht", interpreter_needed=True),
    )
    page = client_for(personas.clinician).get(
        reverse("screening:overview", args=[personas.patient.pk])
    )
    text = page.content.decode()
    assert selected_language(text) == ["en"]
    assert "not available in the patient's preferred language (Haitian Creole)" in text


def test_the_tablet_offers_the_screenings_language_first(personas, client_for):
    client = client_for(personas.clinician)
    session = services.screening_start(
        actor=personas.clinician,
        patient=personas.patient,
        instrument_ids=["phq-9"],
        language="es",
        mode="kiosk",
    )
    client.post(reverse("screening:kiosk_handover", args=[personas.patient.pk, session.pk]))
    page = client.get(reverse("screening:kiosk")).content.decode()
    assert re.findall(r'name="language" value="(\w+)"', page) == ["es", "en"]
