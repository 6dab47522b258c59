"""The registry journey in English: sign in, register, find again despite misspellings,
record safe contact, mark do-not-contact; plus duplicate and bad-input registrations.

Every distinct page is checked with axe (WCAG 2.0/2.1 A and AA) and screenshotted.
"""

from __future__ import annotations

import datetime
import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.journey import search, sign_in
from tests.factories import make_patient

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")


def fill_registration(
    page: Page,
    *,
    preferred: str,
    legal: str = "",
    birth_date: str = "",
    alias: str = "",
    mrn: str = "",
) -> None:
    page.get_by_label("Preferred name").fill(preferred)
    if legal:
        page.get_by_label("Legal name").fill(legal)
    page.get_by_role("radio", name="Exact date known").check()
    if birth_date:
        page.get_by_role("textbox", name="Exact date of birth").fill(birth_date)
    if alias:
        first_alias = page.get_by_role("group", name="Alias 1")
        first_alias.get_by_label("Alias").fill(alias)
        first_alias.get_by_label("Kind of name").select_option(label="Street or working name")
    page.get_by_label("Preferred language").select_option(label="English")
    if mrn:
        page.get_by_label("Medical record number (EHR)").fill(mrn)


def open_registration(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Register a patient"
    ).click()
    expect(page.get_by_role("heading", name="Register a patient", level=1)).to_be_visible()


def open_search(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Find a patient").click()
    expect(page.get_by_role("heading", name="Find a patient", level=1)).to_be_visible()


def results_table(page: Page) -> Locator:
    return page.get_by_role("table").filter(has=page.get_by_text(re.compile(r"patients? found")))


def test_clinician_registers_finds_and_records_safe_contact(page: Page, axe_check, clinician):
    # Someone else on the same care teams, so that search has to tell patients apart.
    make_patient(actor=clinician, clinic=clinician.clinics.get(), preferred_name="Rosa Delgado")

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/sign-in/"))
    axe_check(page, "sign-in")
    sign_in(page, "dr.rivera")

    expect(page.get_by_role("heading", name="Find a patient", level=1)).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Find a patient")).to_have_attribute("aria-current", "page")
    axe_check(page, "search-empty")

    open_registration(page)
    axe_check(page, "register")
    fill_registration(
        page,
        preferred="Lucía Torres",
        legal="Lucía Fernanda Torres Vega",
        birth_date="1996-08-14",
        alias="Estrellita",
        mrn="RV-20431",
    )
    page.get_by_role("button", name="Register patient").click()

    expect(page.get_by_role("status")).to_contain_text("Patient registered.")
    expect(page.get_by_role("heading", name="Lucía Torres", level=1)).to_be_visible()
    expect(page.get_by_text("1996-08-14")).to_be_visible()
    identity = page.get_by_role("region", name="Identity")
    expect(identity).to_contain_text("Lucía Fernanda Torres Vega")
    expect(identity.get_by_role("listitem").filter(has_text="Estrellita")).to_contain_text(
        "Street or working name"
    )
    expect(identity).to_contain_text("RV-20431")
    patient_url = page.url
    axe_check(page, "patient")

    # Back to search: the street name, misspelled, still finds her and only her.
    open_search(page)
    search(page, "Estrelita")
    results = results_table(page)
    expect(results.get_by_role("caption")).to_have_text("1 patient found")
    expect(results.get_by_role("link", name="Lucía Torres")).to_be_visible()
    expect(results).to_contain_text("Estrellita")
    expect(results).not_to_contain_text("Rosa Delgado")
    axe_check(page, "search-results")

    # Surname misspelled, words swapped, accent left out.
    open_search(page)
    search(page, "Torez Lucia")
    results = results_table(page)
    expect(results.get_by_role("caption")).to_have_text("1 patient found")
    results.get_by_role("link", name="Lucía Torres").click()
    expect(page).to_have_url(patient_url)

    # Safe contact by text message, weekday mornings, with a code word.
    page.get_by_role("link", name="Edit Text message").click()
    expect(page.get_by_role("heading", name="Text message", level=1)).to_be_visible()
    axe_check(page, "contact-channel")
    page.get_by_role("radio", name="Safe to use").check()
    page.get_by_label("Number or address").fill("+1 555 0100")
    window = page.get_by_role("group", name="Time window 1")
    for day in WEEKDAYS:
        window.get_by_role("checkbox", name=day).check()
    window.get_by_label("From").fill("09:00")
    window.get_by_label("Until").fill("12:00")
    page.get_by_label("Code word").fill("sunflower")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status")).to_contain_text("Contact preferences saved.")
    sms = page.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name="Text message", exact=True)
    )
    expect(sms).to_contain_text("Safe to use")
    expect(sms).to_contain_text("+1 555 0100")
    expect(sms).to_contain_text("Monday, Tuesday, Wednesday, Thursday, Friday 09:00\u201312:00")
    expect(sms).to_contain_text("Code word: sunflower")

    # The patient asks not to be contacted at all: every clinician must see it first.
    expect(page.get_by_role("note").filter(has_text="Do not contact")).to_have_count(0)
    page.get_by_role("link", name="Edit contact plan").click()
    expect(page.get_by_role("heading", name="Contact plan", level=1)).to_be_visible()
    axe_check(page, "contact-plan")
    page.get_by_role("checkbox", name="Do not contact this patient by any channel").check()
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status")).to_contain_text("Contact preferences saved.")
    banner = page.get_by_role("note").filter(has=page.get_by_role("heading", name="Do not contact"))
    expect(banner).to_contain_text(
        "No one from the clinic may contact this patient by any channel."
    )
    axe_check(page, "patient-do-not-contact")


def test_near_identical_name_warns_of_a_possible_duplicate(page: Page, axe_check, clinician):
    existing = make_patient(
        actor=clinician,
        clinic=clinician.clinics.get(),
        preferred_name="Lucía Torres",
        aliases=(("Estrellita", "street"),),
    )
    sign_in(page, "dr.rivera")
    open_registration(page)
    fill_registration(page, preferred="Lucia Torrez", birth_date="1996-08-14")
    page.get_by_role("button", name="Register patient").click()

    warning = page.get_by_role("alert").filter(
        has=page.get_by_role("heading", name="This patient may already be registered")
    )
    expect(warning).to_be_visible()
    expect(warning.get_by_role("link", name="Lucía Torres")).to_have_attribute(
        "href", f"/patients/{existing.pk}/"
    )
    expect(warning).to_contain_text("Estrellita")
    confirm = page.get_by_role(
        "checkbox", name="None of these is the same person: register a new patient"
    )
    expect(confirm).not_to_be_checked()
    axe_check(page, "register-duplicate-warning")

    # Registering again without ticking the box is refused with the same warning.
    page.get_by_role("button", name="Register patient").click()
    expect(warning).to_be_visible()
    expect(page.get_by_role("status")).to_have_count(0)
    expect(page.get_by_label("Preferred name")).to_have_value("Lucia Torrez")

    confirm.check()
    page.get_by_role("button", name="Register patient").click()
    expect(page.get_by_role("status")).to_contain_text("Patient registered.")
    expect(page.get_by_role("heading", name="Lucia Torrez", level=1)).to_be_visible()
    assert f"/patients/{existing.pk}/" not in page.url


def test_future_date_of_birth_is_refused_and_typing_is_kept(page: Page, axe_check, clinician):
    sign_in(page, "dr.rivera")
    open_registration(page)
    next_month = datetime.date.today() + datetime.timedelta(days=31)
    fill_registration(page, preferred="Dulce Aguilar", birth_date=next_month.isoformat())
    page.get_by_role("button", name="Register patient").click()

    summary = page.get_by_role("alert").filter(
        has=page.get_by_role("heading", name="Please correct the highlighted fields")
    )
    expect(summary).to_contain_text("A date of birth cannot be in the future.")
    birth_date = page.get_by_role("textbox", name="Exact date of birth")
    expect(birth_date).to_have_accessible_description(
        re.compile("A date of birth cannot be in the future.")
    )
    expect(page.get_by_label("Preferred name")).to_have_value("Dulce Aguilar")
    expect(page.get_by_role("status")).to_have_count(0)
    axe_check(page, "register-errors")

    # The summary's link takes the keyboard user to the field to fix.
    summary.get_by_role("link", name=re.compile("cannot be in the future")).click()
    expect(birth_date).to_be_focused()
