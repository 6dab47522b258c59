"""Nothing safety-relevant is chosen in advance, and an interpreter-needed patient is seen
with a professional interpreter, or without one only for a recorded reason and a warning."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse

from lantern.encounters import services
from lantern.encounters.models import Encounter
from lantern.patients import services as patient_services
from tests.factories import make_patient, patient_details

START = {"kind": "clinic", "companion": "came_alone", "interpreter": "not_needed"}
REASON = "The patient asked to go on in English; no Mam interpreter reachable tonight."


def checked(page, name):
    return re.findall(rf'name="{name}" value="(\w+)"[^>]*checked', page)


def needs_interpreter(personas):
    patient_services.patient_update(
        actor=personas.clinician,
        patient=personas.patient,
        details=patient_details(preferred_language="mam", interpreter_needed=True),
    )
    personas.patient.refresh_from_db()


def test_the_visit_form_chooses_nothing_for_the_nurse(personas, client_for):
    url = reverse("encounters:visits", args=[personas.patient.pk])
    page = client_for(personas.clinician).get(url).content.decode()
    assert checked(page, "companion") == []
    assert checked(page, "interpreter") == []
    missing = client_for(personas.clinician).post(
        url, {"kind": "clinic", "clinic": personas.clinic.pk}
    )
    assert missing.status_code == 200
    errors = missing.content.decode()
    assert errors.count("This field is required.") >= 2
    assert not Encounter.objects.exists()


def test_the_consent_form_chooses_neither_how_nor_who(personas, client_for):
    today = datetime.date.today()
    minor = make_patient(
        actor=personas.clinician,
        clinic=personas.clinic,
        preferred_name="Teen",
        birth_date=today.replace(year=today.year - 15, day=1),
    )
    visit = services.encounter_start(
        actor=personas.clinician,
        patient=minor,
        clinic=personas.clinic,
        kind="clinic",
        companion="stayed",
        interpreter="not_needed",
    )
    page = client_for(personas.clinician).get(
        reverse("encounters:visit", args=[minor.pk, visit.pk])
    )
    text = page.content.decode()
    assert 'name="method"' in text
    assert 'name="given_by"' in text  # a minor: the patient or a guardian decides
    assert checked(text, "method") == []
    assert checked(text, "given_by") == []


def test_an_interpreter_needed_patient_is_not_seen_without_one_silently(personas, client_for):
    needs_interpreter(personas)
    client = client_for(personas.clinician)
    url = reverse("encounters:visits", args=[personas.patient.pk])
    page = client.get(url).content.decode()
    assert "No professional interpreter (say why below)" in page
    refused = client.post(url, {**START, "clinic": personas.clinic.pk})
    assert refused.status_code == 200
    assert "This patient needs a professional interpreter. Use one, or say why" in (
        refused.content.decode()
    )
    assert not Encounter.objects.exists()

    started = client.post(
        url, {**START, "clinic": personas.clinic.pk, "interpreter_reason": REASON}
    )
    visit = Encounter.objects.get()
    assert started.url == reverse("encounters:visit", args=[personas.patient.pk, visit.pk])
    assert visit.interpreter_reason == REASON
    page = client.get(started.url).content.decode()
    warning = page[page.index("interpreter-warning") :]
    assert "No professional interpreter, although this patient needs one (Mam)." in warning
    assert REASON in warning


def test_a_professional_interpreter_needs_no_reason_and_brings_no_warning(personas, client_for):
    needs_interpreter(personas)
    client = client_for(personas.clinician)
    url = reverse("encounters:visits", args=[personas.patient.pk])
    started = client.post(url, {**START, "clinic": personas.clinic.pk, "interpreter": "remote"})
    page = client.get(started.url).content.decode()
    assert "interpreter-warning" not in page
    assert Encounter.objects.get().interpreter_reason == ""


def test_changing_to_no_interpreter_later_also_takes_a_reason(personas, client_for):
    needs_interpreter(personas)
    visit = services.encounter_start(
        actor=personas.clinician,
        patient=personas.patient,
        clinic=personas.clinic,
        kind="clinic",
        companion="came_alone",
        interpreter="in_person",
    )
    with pytest.raises(services.VisitError, match="needs a professional interpreter"):
        services.encounter_update(
            actor=personas.clinician, encounter=visit, interpreter="not_needed"
        )
    edit = reverse("encounters:visit_edit", args=[personas.patient.pk, visit.pk])
    refused = client_for(personas.clinician).post(edit, START)
    assert "say why there is none" in refused.content.decode()
    visit.refresh_from_db()
    assert visit.interpreter == "in_person"


def test_a_reason_is_kept_only_for_a_patient_who_needs_an_interpreter(personas):
    visit = services.encounter_start(
        actor=personas.clinician,
        patient=personas.patient,
        clinic=personas.clinic,
        kind="clinic",
        companion="came_alone",
        interpreter="not_needed",
        interpreter_reason="Speaks English",
    )
    assert visit.interpreter_reason == ""
    assert not visit.without_needed_interpreter
