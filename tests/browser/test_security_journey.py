"""Sign-in security in a real browser: enrolment, lockout, time-out, break the glass."""

from __future__ import annotations

import base64
import datetime
import re
import time

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from lantern.accounts.models import Authenticator, Role
from tests.browser.journey import search, sign_in
from tests.factories import PASSWORD, UserFactory, fresh_code

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_first_sign_in_sets_up_an_authenticator(page: Page, axe_check, clinic):
    nurse = UserFactory(username="nurse.new", display_name="Nurse New", clinics=[clinic])
    page.goto("/")
    page.get_by_label("Username").fill("nurse.new")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Set up your second factor")).to_be_visible()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    axe_check(page, "two-factor-setup")
    # The key shown for typing is the one the app would scan.
    typed_key = page.locator("code.secret").inner_text().replace(" ", "")
    device = Authenticator.objects.get(user=nurse, confirmed=False)
    assert typed_key == base64.b32encode(device.bin_key).decode().rstrip("=")
    page.get_by_label("Code from your authenticator app").fill(
        f"{TOTP(device.bin_key).token():06d}"
    )
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Recovery codes")).to_be_visible()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    axe_check(page, "recovery-codes")
    page.get_by_role("link", name="I have saved them").click()
    expect(page.get_by_role("heading", name="Find a patient")).to_be_visible()


def test_a_wrong_code_keeps_patient_data_closed(page: Page, axe_check, clinician):
    page.goto("/")
    page.get_by_label("Username").fill(clinician.username)
    page.get_by_label("Password").fill(PASSWORD)
    fresh_code(clinician)  # makes sure an authenticator exists
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("That code was not right")
    axe_check(page, "two-factor-wrong-code")
    page.goto("/patients/")
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()


def test_five_wrong_passwords_pause_sign_in(page: Page, axe_check, clinician):
    page.goto("/accounts/sign-in/")
    for _ in range(5):
        page.get_by_label("Username").fill(clinician.username)
        page.get_by_label("Password").fill("not my password")
        page.get_by_role("button", name="Sign in").click()
        if page.get_by_role("heading", name="Sign-in paused").is_visible():
            break
    expect(page.get_by_role("heading", name="Sign-in paused")).to_be_visible()
    axe_check(page, "locked")


def test_an_idle_session_ends_on_the_server(page: Page, clinician, settings):
    settings.LANTERN_IDLE_TIMEOUT = datetime.timedelta(seconds=2)
    sign_in(page, clinician.username)
    time.sleep(2.5)
    page.get_by_role("link", name="Register a patient").click()
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    expect(page.get_by_text("You were signed out to protect patient information.")).to_be_visible()


def test_break_the_glass_from_search_to_review(page: Page, axe_check, clinic, clinician, browser):
    from tests.factories import make_patient

    make_patient(actor=clinician, clinic=clinic, preferred_name="Amara Okonkwo")
    colleague = UserFactory(username="dr.lee", display_name="Dr. Lee", clinics=[clinic])
    officer = UserFactory(
        username="privacy.jo", display_name="Jo Kim", role=Role.PRIVACY_OFFICER, clinics=[clinic]
    )
    sign_in(page, colleague.username)
    search(page, "Amara Okonkwo")
    expect(page.get_by_text("No patient on your care teams matches this search.")).to_be_visible()
    page.get_by_role("link", name="Use emergency access").click()
    expect(page.get_by_role("heading", name="Confirm it is you")).to_be_visible()
    axe_check(page, "confirm-identity")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Code").fill(fresh_code(colleague))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Emergency access")).to_be_visible()
    axe_check(page, "emergency-start")
    page.get_by_label("Why do you need emergency access?").fill(
        "Patient collapsed in the waiting room; need medication history"
    )
    page.get_by_role("textbox", name="Name, alias, date of birth or record number").fill(
        "Amara Okonkwo"
    )
    page.get_by_role("button", name="Search with emergency access").click()
    axe_check(page, "emergency-results")
    page.get_by_role("button", name=re.compile("Open with emergency access")).click()
    expect(page.get_by_role("heading", name="Amara Okonkwo")).to_be_visible()
    expect(page.get_by_text("because you used emergency access")).to_be_visible()
    axe_check(page, "patient-emergency")

    # The privacy officer sees the alert and reviews the use.
    reviewer = browser.new_context(locale="en-US", base_url=page.url.split("/patients")[0])
    review = reviewer.new_page()
    sign_in(review, officer.username)
    review.get_by_role("link", name="1 new notice").click()
    expect(review.get_by_role("heading", name="Emergency access used")).to_be_visible()
    review.get_by_role("link", name=re.compile("^Open")).click()
    expect(review.get_by_text("Patient collapsed in the waiting room")).to_be_visible()
    axe_check(review, "emergency-review")
    review.get_by_label("Justified", exact=True).check()
    review.get_by_role("button", name="Save review").click()
    expect(review.get_by_text("Review saved.")).to_be_visible()
    expect(review.get_by_role("link", name="Justified")).to_be_visible()
    reviewer.close()
