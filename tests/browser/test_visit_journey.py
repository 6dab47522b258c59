"""A trauma-informed visit in a real browser, from care preferences to a discreet summary.

The journey: care preferences -> start a visit -> the before-you-begin card -> consents ->
an exam step (only allowed steps offered) -> an injury on the body map -> a photograph
carrying GPS data -> step-up -> its thumbnail -> the patient withdraws consent to touch
mid-visit -> examination by touch is no longer offered -> a disclosure on consent -> a
discreet after-visit summary printed without hotline or diagnosis.

Every distinct page is checked with axe (WCAG 2.0/2.1 A and AA) and screenshotted.
"""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import Locator, Page, expect

from lantern.accounts.models import User
from lantern.audit.models import AuditEvent
from lantern.encounters.models import ConsentRecord, Disclosure, InjuryPhoto
from lantern.patients.models import Patient
from tests.browser.journey import sign_in
from tests.encounters.test_photos import jpeg_with_gps
from tests.factories import PASSWORD, fresh_code, make_patient

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

TOUCH = "Being touched during the examination"


@pytest.fixture
def patient(clinician: User) -> Patient:
    """An adult (born 1998) on Dr. Rivera's care team."""
    return make_patient(actor=clinician, clinic=clinician.clinics.get(), preferred_name="Ana Ruiz")


def done_steps(page: Page) -> list[str]:
    form = page.get_by_role("form", name="Record a step that was done")
    return form.get_by_label("Step").locator("option").all_inner_texts()


def record_consent(page: Page, scope: str, *, recipient: str = "") -> None:
    form = page.get_by_role("form", name="Record a decision")
    form.get_by_label("What for").select_option(label=scope)
    form.get_by_role("group", name="Decision").get_by_role("radio", name="Given").check()
    form.get_by_role("group", name="How").get_by_role("radio", name="Verbal").check()
    if recipient:
        form.get_by_label("Named recipient").fill(recipient)
    form.get_by_role("button", name="Record decision").click()
    expect(page.get_by_role("status")).to_contain_text("Consent decision recorded.")


def consent_row(page: Page, scope: str) -> Locator:
    table = page.get_by_role("table", name="Consent now, by what it is for")
    return table.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name=scope, exact=True)
    )


def set_care_preferences(page: Page, axe_check) -> None:
    page.get_by_role("link", name="Care preferences").click()
    expect(page.get_by_role("heading", name="Care preferences: Ana Ruiz", level=1)).to_be_visible()
    axe_check(page, "care-preferences")
    page.get_by_label("Clinician the patient would prefer").select_option(label="A woman")
    page.get_by_label("Wants a chaperone present").check()
    page.get_by_label("People who must not be present").fill("The man who drove her here")
    page.get_by_label("Things the patient asked us not to do").fill("Do not stand behind her")
    page.get_by_role("button", name="Save care preferences").click()
    expect(page.get_by_role("status")).to_contain_text("Care preferences saved.")


def start_visit(page: Page, axe_check) -> None:
    start = page.get_by_role("region", name="Start a visit")
    start.get_by_label("Kind of visit").select_option(label="Emergency")
    start.get_by_role("radio", name="Companion asked to step out, and did").check()
    start.get_by_label("Who came with the patient").fill("says he is her cousin")
    start.get_by_role("radio", name="Professional interpreter, in person").check()
    start.get_by_role("button", name="Start the visit").click()
    expect(page.get_by_role("heading", name="Visit: Ana Ruiz", level=1)).to_be_visible()


def examine(page: Page, axe_check) -> None:
    """Consents first; then only the steps they allow are offered as done."""
    expect(page.get_by_text("No step has every consent it needs yet.")).to_be_visible()
    record_consent(page, "General examination")
    record_consent(page, TOUCH)
    record_consent(page, "Photographs of injuries")
    record_consent(page, "Share with a named referral organisation", recipient="Harbor Legal Aid")
    expect(consent_row(page, TOUCH)).to_contain_text("Given")
    expect(consent_row(page, "Forensic evidence kit")).to_contain_text("Not asked yet")
    assert done_steps(page) == ["General examination", "Examination by touch"]
    axe_check(page, "visit-consents-given")

    form = page.get_by_role("form", name="Record a step that was done")
    form.get_by_label("Step").select_option(label="Examination by touch")
    form.get_by_label("The patient was told they can stop at any time").check()
    form.get_by_label("Normal findings were told to the patient").check()
    form.get_by_role("button", name="Record step as done").click()
    expect(page.get_by_role("status")).to_contain_text("Examination step recorded.")
    steps = page.get_by_role("table", name="Examination steps recorded in this visit")
    expect(steps.get_by_role("rowheader", name="Examination by touch")).to_be_visible()


def record_injury_with_photo(page: Page, axe_check) -> None:
    form = page.get_by_role("form", name="Record an injury")
    form.get_by_role("radio", name="Front", exact=True).check()
    form.get_by_label("Where").select_option(label="Left arm")
    form.get_by_label("Kind of injury").select_option(label="Cigarette burn")
    form.get_by_label("Healing stage").select_option(label="Healing")
    form.get_by_label("Size").fill("1 cm, three marks")
    form.get_by_role("button", name="Record injury").click()
    expect(page.get_by_role("status")).to_contain_text("Injury recorded.")
    expect(page.locator(".body-map__region--injured")).to_have_count(1)
    injuries = page.get_by_role("table", name="Injuries recorded in this visit")
    expect(injuries.get_by_role("rowheader", name="Left arm (front)")).to_be_visible()
    axe_check(page, "visit-injury")

    page.get_by_label("Photograph of the cigarette burn, left arm").set_input_files(
        files=[{"name": "IMG_0042.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps()}]
    )
    page.get_by_role("button", name="Upload photograph").click()
    expect(page.get_by_role("status")).to_contain_text("Photograph stored, without location data.")
    stored = InjuryPhoto.objects.get()
    with Image.open(io.BytesIO(stored.image)) as clean:
        assert dict(clean.getexif()) == {}


def view_photos_after_step_up(page: Page, clinician: User, axe_check) -> None:
    page.get_by_role("link", name="Show photographs").click()
    expect(page.get_by_role("heading", name="Confirm it is you")).to_be_visible()
    axe_check(page, "step-up")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Code").fill(fresh_code(clinician))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Photographs of injuries", level=1)).to_be_visible()
    thumbnail = page.get_by_role("img", name="Photograph 1 of 1: cigarette burn, left arm (front)")
    expect(thumbnail).to_be_visible()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle()
    )
    axe_check(page, "photographs")
    assert AuditEvent.objects.filter(category="photo", detail="thumbnail viewed").exists()
    page.get_by_role("link", name="Back to the visit").click()


def withdraw_touch(page: Page, axe_check) -> None:
    consent_row(page, TOUCH).get_by_role("button", name=re.compile("^Withdraw")).click()
    expect(page.get_by_role("status")).to_contain_text(f"Consent withdrawn: {TOUCH}.")
    expect(consent_row(page, TOUCH)).to_contain_text("Withdrawn")
    assert done_steps(page) == ["General examination"]
    history = page.get_by_role("table", name="Consent history, newest first")
    expect(history.get_by_role("row").filter(has_text=TOUCH)).to_have_count(2)
    assert list(ConsentRecord.objects.filter(scope="touch").values_list("status", flat=True)) == [
        "withdrawn",
        "given",
    ]
    axe_check(page, "visit-touch-withdrawn")


def disclose(page: Page) -> None:
    share = page.get_by_role("form", name="Share on the patient's consent")
    kinds = share.get_by_label("To whom").locator("option").all_inner_texts()
    assert kinds == ["Referral organisation"]
    expect(page.get_by_role("region", name="Disclosures")).to_contain_text(
        "Referral organisation: Harbor Legal Aid"
    )
    share.get_by_label("To whom").select_option(label="Referral organisation")
    share.get_by_label("Recipient").fill("Harbor Legal Aid")
    share.get_by_label("What was shared").fill("First name and a safe phone number")
    share.get_by_role("button", name="Record disclosure").click()
    expect(page.get_by_role("status")).to_contain_text("Disclosure recorded.")
    assert Disclosure.objects.get().consent is not None


def print_discreet_summary(page: Page, axe_check) -> None:
    page.get_by_label("Instructions for the patient").fill("Keep the burn clean and dry.")
    page.get_by_role("button", name="Save instructions").click()
    expect(page.get_by_role("status")).to_contain_text("Instructions for the patient saved.")
    page.get_by_role("link", name="After-visit summary").click()
    expect(page.get_by_role("heading", name="After-visit summary", level=1)).to_be_visible()
    # Nothing is chosen for the patient; the page offers to print in their language.
    expect(page.get_by_label("Date of the visit")).not_to_be_checked()
    expect(page.get_by_label("National Human Trafficking Hotline number")).not_to_be_checked()
    expect(page.get_by_label("Name of the clinic")).not_to_be_checked()
    language = page.get_by_role("group", name="Language of the page")
    expect(language.get_by_role("radio", name="Español")).to_be_checked()
    axe_check(page, "summary-choose")
    language.get_by_role("radio", name="English").check()  # Ana reads English too
    page.get_by_label("Date of the visit").check()
    page.get_by_role("button", name="Show the page to print").click()

    expect(page.get_by_role("heading", name="Visit summary", level=1)).to_be_visible()
    assert page.title() == "Visit summary"
    body = page.locator("main")
    expect(body).to_contain_text("Date:")
    for never in ("1-888-373-7888", "Trafficking", "Riverside Clinic", "Emergency", "Ana", "burn"):
        expect(body).not_to_contain_text(never)
    axe_check(page, "summary-print")
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    page.emulate_media(media="screen")
    assert AuditEvent.objects.filter(
        action="print", detail="after-visit summary (en): visit_date"
    ).exists()


def test_a_visit_from_care_preferences_to_a_discreet_summary(
    page: Page, axe_check, clinician: User, patient: Patient
) -> None:
    sign_in(page, clinician.username)
    page.goto(f"/patients/{patient.pk}/")
    page.get_by_role("region", name="Visits").get_by_role(
        "link", name="Visits and care preferences"
    ).click()
    expect(page.get_by_role("heading", name="Visits: Ana Ruiz", level=1)).to_be_visible()
    axe_check(page, "visits")

    set_care_preferences(page, axe_check)
    start_visit(page, axe_check)
    before = page.get_by_role("region", name="Before you begin")
    expect(before).to_contain_text("A woman")
    expect(before).to_contain_text("Wants a chaperone present")
    expect(before).to_contain_text("The man who drove her here")
    expect(before).to_contain_text("Do not stand behind her")
    expect(before).to_contain_text("Ask before each step")
    axe_check(page, "visit-start")

    examine(page, axe_check)
    record_injury_with_photo(page, axe_check)
    view_photos_after_step_up(page, clinician, axe_check)
    withdraw_touch(page, axe_check)
    disclose(page)
    axe_check(page, "visit-disclosed")
    print_discreet_summary(page, axe_check)
