"""The after-visit summary: discreet by default, only what the patient chose, audited as a
print."""

from __future__ import annotations

import re

from lantern.audit.models import AuditEvent
from lantern.encounters import services
from tests.encounters.conftest import url

HOTLINE = "1-888-373-7888"


def printed(client, visit, language="en", **chosen):
    data = {name: "on" for name, wanted in chosen.items() if wanted} | {"language": language}
    response = client.post(url("summary_print", visit), data)
    assert response.status_code == 200
    return response.content.decode()


def test_nothing_is_chosen_in_advance_but_the_patients_language(personas, client_for, visit):
    page = client_for(personas.clinician).get(url("summary", visit)).content.decode()
    checked = re.findall(r'<input type="checkbox" name="(\w+)"[^>]*checked', page)
    assert checked == []
    # Rosa's preferred language is Spanish: the page offers to print in it.
    assert re.findall(r'name="language" value="(\w+)"[^>]*checked', page) == ["es"]
    assert ">Español<" in page or "Español</label>" in page
    assert "Only if the patient wants it" in page


def test_the_summary_prints_in_the_patients_language(personas, client_for, visit):
    page = printed(client_for(personas.clinician), visit, "es", visit_date=True, hotline=True)
    assert '<html lang="es">' in page
    assert "<title>Resumen de la consulta</title>" in page
    assert "Fecha:" in page
    assert "Línea Nacional contra la Trata de Personas: llame al 1-888-373-7888" in page
    assert "Date:" not in page
    entry = AuditEvent.objects.get(action="print")
    assert entry.detail == "after-visit summary (es): hotline, visit_date"


def test_a_language_lantern_cannot_print_in_is_said_so(personas, client_for, visit):
    from lantern.patients import services as patient_services
    from tests.factories import patient_details

    patient_services.patient_update(
        actor=personas.clinician,
        patient=personas.patient,
        details=patient_details(preferred_language="pt"),
    )
    page = client_for(personas.clinician).get(url("summary", visit)).content.decode()
    assert re.findall(r'name="language" value="(\w+)"[^>]*checked', page) == []
    assert "cannot be printed in the patient&#x27;s preferred language yet" in page
    # Nothing chosen: it prints in the language of the page it was asked from.
    page = client_for(personas.clinician).post(url("summary_print", visit), {"hotline": "on"})
    assert '<html lang="en">' in page.content.decode()
    assert AuditEvent.objects.get(action="print").detail == "after-visit summary (en): hotline"


def test_the_default_page_is_discreet(personas, client_for, visit):
    services.encounter_update(
        actor=personas.clinician, encounter=visit, patient_instructions="Come back on Tuesday."
    )
    page = printed(client_for(personas.clinician), visit, visit_date=True)
    assert "<title>Visit summary</title>" in page
    assert "Lantern" not in page
    for never in (HOTLINE, "Trafficking", "Riverside Clinic", "Clinic visit", "Rosa", "Tuesday"):
        assert never not in page, never
    assert "Date:" in page
    assert "<script>" not in page
    assert " style=" not in page


def test_what_the_patient_chooses_is_printed(personas, client_for, visit):
    services.encounter_update(
        actor=personas.clinician, encounter=visit, patient_instructions="Come back on Tuesday."
    )
    page = printed(
        client_for(personas.clinician),
        visit,
        clinic_name=True,
        visit_kind=True,
        instructions=True,
        hotline=True,
    )
    for shown in ("Riverside Clinic", "Clinic visit", "Come back on Tuesday.", HOTLINE, "233733"):
        assert shown in page
    assert "Date:" not in page


def test_printing_is_audited_with_what_was_printed(personas, client_for, visit):
    printed(client_for(personas.clinician), visit, visit_date=True, hotline=True)
    entry = AuditEvent.objects.get(action="print")
    assert entry.patient_id == personas.patient.pk
    assert entry.actor == personas.clinician
    assert entry.detail == "after-visit summary (en): hotline, visit_date"


def test_colleagues_and_outsiders_cannot_print(personas, client_for, visit):
    for persona in ("colleague", "outsider"):
        response = client_for(personas.by_name(persona)).post(url("summary_print", visit))
        assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="print").exists()


def test_the_choices_never_travel_in_the_address(personas, client_for, visit):
    client = client_for(personas.clinician)
    choose = client.get(url("summary", visit)).content.decode()
    assert re.search(r'<form method="post" action="[^"]*/summary/print/', choose)
    # Choices sent in an address print nothing: it only goes back to the choosing page.
    response = client.get(url("summary_print", visit), {"hotline": "on"})
    assert (response.status_code, response.url) == (302, url("summary", visit))
    assert not AuditEvent.objects.filter(action="print").exists()


def test_the_printed_page_has_no_browser_header_or_footer():
    """A zero page margin stops browsers printing the page's address and date on paper."""
    from pathlib import Path

    from django.contrib.staticfiles import finders

    css = Path(finders.find("lantern/lantern.css")).read_text(encoding="utf-8")
    assert "@page { margin: 0; }" in css
