"""A clinician switches Lantern to Spanish, registers a patient and finds them again.

The strings below in Spanish are the ones the Spanish catalogue is agreed to hold; form
labels are looked up in the catalogue itself (``es``), so the test follows its wording.
"""

from __future__ import annotations

import pytest
from django.utils import translation
from playwright.sync_api import Page, expect

from tests.browser.journey import choose_language, search, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def es(text: str) -> str:
    with translation.override("es"):
        return translation.gettext(text)


def test_clinician_works_in_spanish(page: Page, axe_check, clinician):
    sign_in(page, "dr.rivera")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    choose_language(page, "Español")

    expect(page.locator("html")).to_have_attribute("lang", "es")
    nav = page.get_by_role("navigation")
    expect(nav.get_by_role("link", name="Buscar paciente")).to_be_visible()
    expect(nav.get_by_role("link", name="Registrar paciente")).to_be_visible()
    expect(page.get_by_role("heading", name="Buscar paciente", level=1)).to_be_visible()
    header = page.get_by_role("banner")
    expect(header.get_by_label("Idioma", exact=True)).to_have_value("es")
    expect(header.get_by_role("button", name="Cambiar")).to_be_visible()
    expect(page.get_by_role("button", name="Cerrar sesión")).to_be_visible()
    axe_check(page, "search-empty-es")

    nav.get_by_role("link", name="Registrar paciente").click()
    expect(page.get_by_role("heading", name="Registrar paciente", level=1)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    axe_check(page, "register-es")
    page.get_by_label(es("Preferred name")).fill("Ana Sofía González")
    page.get_by_role("radio", name=es("Exact date known")).check()
    page.get_by_role("textbox", name=es("Exact date of birth")).fill("1990-02-03")
    page.get_by_label(es("Preferred language")).select_option(label=es("Spanish"))
    page.get_by_role("button", name="Registrar al paciente").click()

    expect(page.get_by_role("status")).to_contain_text("Paciente registrado.")
    expect(page.get_by_role("heading", name="Ana Sofía González", level=1)).to_be_visible()
    patient_url = page.url
    axe_check(page, "patient-es")

    # Found again with the surname spelled as it sounds and the words swapped.
    nav.get_by_role("link", name="Buscar paciente").click()
    expect(page.get_by_role("heading", name="Buscar paciente", level=1)).to_be_visible()
    search(page, "Gonsales Ana", button="Buscar")
    found = page.get_by_role("table").get_by_role("link", name="Ana Sofía González")
    expect(found).to_be_visible()
    axe_check(page, "search-results-es")
    found.click()
    expect(page).to_have_url(patient_url)

    # The choice outlives the session: signing out shows the sign-in page in Spanish.
    page.get_by_role("button", name="Cerrar sesión").click()
    expect(page.get_by_role("heading", name="Iniciar sesión", level=1)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    axe_check(page, "sign-in-es")
