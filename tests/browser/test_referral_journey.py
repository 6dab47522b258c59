"""A closed-loop referral, in a real browser.

The journey: a patient's PHQ-9 today was positive -> the clinician reads the result and adds
counseling to the care plan -> "Refer to a service" on that activity starts a referral, and
the clinician picks a counseling service of the directory -> the advocate on the care team
records the patient's consent to share with that organisation and sends the referral, which
shows the partner's link and phone code once -> the partner opens the link, gives the code
and accepts -> the advocate gives a new link, and the partner marks the referral completed
-> the care plan shows the counseling activity and the referral's own activity closed. The
patient, who speaks Spanish, takes away a slip in Spanish.

Every distinct page is checked with axe (WCAG 2.0/2.1 A and AA) and screenshotted.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from lantern.accounts.models import Role, User
from lantern.patients import services as registry
from lantern.patients.models import Patient
from lantern.referrals.demo import demo_directory_load
from lantern.referrals.models import Referral
from lantern.screening import services as screening_services
from lantern.screening.models import ScreeningSession
from tests.browser.journey import sign_in
from tests.factories import UserFactory, make_patient

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SERVICE = "Trauma-focused therapy"
ORGANISATION = "Lighthouse Counseling Collective (fictional)"
NEED = "Weekly trauma-focused counseling"


@pytest.fixture
def advocate(clinician: User) -> User:
    return UserFactory(
        username="a.okafor",
        display_name="Amara Okafor",
        role=Role.ADVOCATE,
        clinics=list(clinician.clinics.all()),
    )


@pytest.fixture
def patient(clinician: User, advocate: User) -> Patient:
    """A Spanish-speaking woman on Dr. Rivera's and the advocate's care team, with a safe
    phone for texts and a positive PHQ-9 today."""
    clinic = clinician.clinics.get()
    assert demo_directory_load(clinic.health_system).ok
    patient = make_patient(
        actor=clinician, clinic=clinic, preferred_name="Ana Ruiz", preferred_language="es"
    )
    registry.care_team_add(actor=clinician, patient=patient, member=advocate)
    registry.contact_channel_update(
        actor=clinician,
        patient=patient,
        channel="sms",
        values={
            "safety": "safe",
            "destination": "555-0142",
            "time_windows": [{"days": [0, 1, 2, 3, 4], "start": "09:00", "end": "17:00"}],
            "voicemail_allowed": False,
            "code_word": "",
            "approved_wording": "",
            "confirmed_at": None,
        },
    )
    session = screening_services.screening_start(
        actor=clinician, patient=patient, instrument_ids=["phq-9"], language="en", mode="clinician"
    )
    answers = {f"phq9-{n}": "2" for n in range(1, 9)} | {"phq9-9": "0"}
    screening_services.result_record(
        actor=clinician, session=session, instrument_id="phq-9", answers=answers
    )
    return patient


@pytest.fixture
def second_page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A second person at another computer: a fresh browser with its own cookies."""
    context = browser.new_context(locale="en-US", base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    script_errors: list[str] = []
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    yield page
    context.close()
    assert not script_errors, f"JavaScript errors on the page: {script_errors}"


def partner_answers(page: Page, link: str, code: str, answer: str, axe_check, label: str) -> None:
    """The partner organisation opens its one-time link and answers with the phone code."""
    page.goto(link)
    expect(page.get_by_role("heading", name="A referral for you", level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text(SERVICE)
    expect(page.locator("main")).to_contain_text("Ana")
    expect(page.locator("main")).to_contain_text("555-0142")
    expect(page.locator("main")).not_to_contain_text("Ruiz")  # only the first name is shared
    expect(page.locator("main")).not_to_contain_text("PHQ")  # no screening, no diagnosis
    axe_check(page, label)
    page.get_by_label("Code read to you by phone").fill(code)
    page.get_by_role("group", name="Your answer").get_by_role(
        "radio", name=answer, exact=True
    ).check()
    page.get_by_role("button", name="Send the answer").click()
    expect(page.get_by_role("heading", name="Thank you", level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text(f"The clinic now sees your answer: {answer}.")
    axe_check(page, f"{label}-thanks")


def issued_link(page: Page) -> tuple[str, str]:
    shown = page.get_by_role("note").filter(has_text="The partner's link and code")
    expect(shown).to_be_visible()
    return shown.locator(".partner-link").inner_text(), shown.locator(".partner-code").inner_text()


def test_a_positive_screen_leads_to_a_referral_the_partner_closes_and_the_plan_shows_it(
    page: Page,
    second_page: Page,
    browser: Browser,
    live_server: LiveServer,
    clinician: User,
    advocate: User,
    patient: Patient,
    axe_check,
) -> None:
    # The clinician reads the positive screen and plans counseling.
    sign_in(page, "dr.rivera")
    session = ScreeningSession.objects.get(patient=patient)
    page.goto(reverse("screening:session", args=[patient.pk, session.pk]))
    expect(page.get_by_role("heading", name="Screening results: Ana Ruiz")).to_be_visible()
    scores = page.get_by_role("region", name="Scores")
    expect(scores.get_by_role("row", name="PHQ-9")).to_contain_text("Positive")
    expect(scores.get_by_role("link", name="Refer to a service (Patient Health")).to_be_visible()
    axe_check(page, "screening-result")

    page.goto(reverse("careplans:plan", args=[patient.pk]))
    adding = page.get_by_role("region", name="Add an activity")
    adding.get_by_label("Kind").select_option(label="Counseling")
    adding.get_by_label("What").fill(NEED)
    due = timezone.localtime(timezone.now() + datetime.timedelta(days=7))
    adding.get_by_label("Due").fill(due.strftime("%Y-%m-%dT%H:%M"))
    adding.get_by_role("button", name="Add to the plan").click()
    expect(page.get_by_role("status")).to_contain_text("Activity added to the care plan.")
    todo = page.get_by_role("region", name="To do")
    expect(todo).to_contain_text(NEED)
    axe_check(page, "care-plan-with-need")

    # "Refer to a service" on the counseling activity: pick a service of the directory.
    todo.get_by_role("link", name=f"Refer to a service ({NEED})").click()
    expect(page.get_by_role("heading", name="New referral", level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text(f"Started from: Care plan · {NEED}")
    finder = page.get_by_role("search")
    finder.get_by_label("Service or organisation").fill("therapy")
    finder.get_by_role("button", name="Look for a service").click()
    expect(page.get_by_role("heading", name=SERVICE)).to_be_visible()
    axe_check(page, "referral-start")
    choices = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name=SERVICE))
    choices.get_by_role("button", name="Refer to this service").click()
    expect(page.get_by_role("status")).to_contain_text("Referral started as a draft.")
    expect(page.get_by_role("heading", name=f"Referral to {SERVICE}", level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text("started from: Care plan")
    expect(page.locator("main")).to_contain_text(
        "An advocate or social worker on the care team takes the referral from here"
    )
    axe_check(page, "referral-draft-for-the-clinician")
    referral = Referral.objects.get(patient=patient)
    assert referral.status == "draft"

    # The advocate records the patient's consent to share with the organisation, and sends.
    advocate_page = second_page
    sign_in(advocate_page, "a.okafor")
    advocate_page.goto(reverse("patients:detail", args=[patient.pk]))
    advocate_page.get_by_role("region", name="Referrals").get_by_role("link", name=SERVICE).click()
    consent = advocate_page.get_by_role("region", name="Consent to share")
    expect(consent).to_contain_text(f"Sharing with {ORGANISATION}: Not asked yet.")
    axe_check(advocate_page, "referral-draft-for-the-advocate")
    consent.get_by_role("group", name="Decision").get_by_role(
        "radio", name="Given", exact=True
    ).check()
    consent.get_by_role("group", name="How").get_by_role("radio", name="Verbal").check()
    agreed = consent.get_by_role("group", name="The patient agrees to share")
    agreed.get_by_role("checkbox", name="First or preferred name").check()
    agreed.get_by_role("checkbox", name="The safe way to reach the person").check()
    consent.get_by_role("button", name="Record the patient's decision").click()
    expect(advocate_page.get_by_role("status")).to_contain_text(
        "The patient's decision was recorded."
    )
    consent = advocate_page.get_by_role("region", name="Consent to share")
    expect(consent).to_contain_text(f"Sharing with {ORGANISATION}: Given.")
    consent.get_by_role("button", name="Send the referral").click()
    expect(advocate_page.get_by_role("status")).to_contain_text("Referral sent.")
    link, code = issued_link(advocate_page)
    assert link.startswith(live_server.url)
    assert re.fullmatch(r"\d{6}", code)
    axe_check(advocate_page, "referral-sent")

    # The partner, at its own office, accepts with the code read to it by phone.
    partner = browser.new_context(locale="en-US")
    try:
        partner_page = partner.new_page()
        partner_answers(partner_page, link, code, "Accepted", axe_check, "partner-accepts")
        partner_page.goto(link)  # the link worked once
        expect(partner_page.get_by_role("heading", name="A referral for you")).not_to_be_visible()
        expect(partner_page.locator("body")).not_to_contain_text(SERVICE)

        # A new link for the next answer: completed.
        advocate_page.reload()
        status = advocate_page.get_by_role("region", name="Status")
        expect(status).to_contain_text("Accepted · the partner organisation, through its link")
        status.get_by_role("button", name="New link for the partner").click()
        link, code = issued_link(advocate_page)
        partner_answers(partner_page, link, code, "Completed", axe_check, "partner-completes")
    finally:
        partner.close()
    referral.refresh_from_db()
    assert referral.status == "completed"

    # The care plan shows the need met and the referral's own activity closed.
    advocate_page.goto(reverse("careplans:plan", args=[patient.pk]))
    closed = advocate_page.get_by_role("region", name="Done and closed")
    expect(closed).to_contain_text(NEED)
    expect(closed).to_contain_text("Referral sent: see it through")
    expect(closed).to_contain_text("Planned → Done (referral completed)")
    todo = advocate_page.get_by_role("region", name="To do")
    expect(todo).not_to_contain_text(NEED)
    expect(todo.get_by_role("link", name="Refer to a service")).to_have_count(0)
    axe_check(advocate_page, "care-plan-after-the-referral")

    # The slip the patient takes away, in Spanish, naming the service as she agreed.
    advocate_page.goto(reverse("referrals:referral", args=[patient.pk, referral.pk]))
    advocate_page.get_by_role("link", name="A slip for the patient").click()
    expect(advocate_page.get_by_role("heading", name="Slip for the patient")).to_be_visible()
    axe_check(advocate_page, "slip-choice")
    advocate_page.get_by_label("The patient agrees that the slip names the service").check()
    advocate_page.get_by_role("button", name="Show the slip to print").click()
    expect(advocate_page.locator("html")).to_have_attribute("lang", "es")
    expect(advocate_page.get_by_role("button", name="Imprimir")).to_be_visible()
    expect(advocate_page.locator("main")).to_contain_text(SERVICE)
    expect(advocate_page.locator("main")).not_to_contain_text("PHQ")
    expect(advocate_page.locator("main")).not_to_contain_text("Counseling")
    axe_check(advocate_page, "slip-in-spanish")
