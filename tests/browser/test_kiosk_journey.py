"""Self-screening on a clinic tablet, in Spanish and in English, in a real browser.

Staff start the session and hand the tablet over; the patient picks a language and answers
with large touch targets; while the patient has the tablet nothing else is reachable; a
quick exit, first in keyboard order on every patient-facing page, turns the screen into a
plain waiting-room page that the Back button does not undo; staff take the tablet back
with password and code, after which the session's token opens nothing.

Every distinct page is checked with axe (WCAG 2.0/2.1 A and AA) and screenshotted.
"""

from __future__ import annotations

import re
from importlib import import_module

import pytest
from django.conf import settings
from django.utils import translation
from playwright.sync_api import Locator, Page, Response, expect
from pytest_django.live_server_helper import LiveServer

from lantern.accounts.models import User
from lantern.patients.models import Patient
from lantern.screening import services
from lantern.screening.kiosk import KIOSK_LANGUAGE, KIOSK_SESSION
from lantern.screening.models import Mode, ScreeningSession
from tests.browser.journey import answer, answer_each, sign_in
from tests.factories import PASSWORD, fresh_code, make_patient

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PHQ9 = "Patient Health Questionnaire (PHQ-9)"
PC_PTSD5 = "Primary Care PTSD Screen for DSM-5 (PC-PTSD-5)"
MIN_TOUCH_TARGET = 44  # CSS pixels: WCAG 2.5.5, Apple and Android guidance


def es(text: str) -> str:
    with translation.override("es"):
        return translation.gettext(text)


@pytest.fixture
def patient(clinician: User) -> Patient:
    return make_patient(actor=clinician, clinic=clinician.clinics.get(), preferred_name="Ana Ruiz")


@pytest.fixture
def kiosk_responses(page: Page, live_server: LiveServer) -> list[Response]:
    """Every response to a page or request of the tablet's own pages."""
    seen: list[Response] = []

    def keep(response: Response) -> None:
        if response.url.startswith(f"{live_server.url}/kiosk/"):
            seen.append(response)

    page.on("response", keep)
    return seen


def hand_over(page: Page, patient: Patient, *questionnaires: str, language: str = "") -> None:
    """Staff choose the questionnaires (and the language) and let the patient answer."""
    page.goto(f"/patients/{patient.pk}/")
    page.get_by_role("link", name="Screening and results").click()
    chooser = page.get_by_role("group", name="Questionnaires")
    for title in questionnaires:
        chooser.get_by_role("checkbox", name=title).check()
    if language:
        page.get_by_label("Language of the questions").select_option(label=language)
    page.get_by_role("button", name="Let the patient answer on this tablet").click()


def confirm_alone(page: Page) -> None:
    expect(page.get_by_role("heading", name="Before you ask", level=1)).to_be_visible()
    page.get_by_role("group", name="Is the patient alone with you?").get_by_role(
        "radio", name="The patient came alone"
    ).check()
    page.get_by_role("group", name="Interpretation").get_by_role(
        "radio", name="No interpreter needed"
    ).check()
    page.get_by_role("button", name="Continue").click()


def start_handover(page: Page) -> None:
    expect(page.get_by_role("heading", name="Hand over the tablet", level=1)).to_be_visible()
    page.get_by_role("button", name="Start and hand over").click()
    expect(page.get_by_role("heading", name=re.compile("^Choose your language"))).to_be_visible()


def expect_quick_exit_first(page: Page, name: str = "Exit now") -> None:
    """From a freshly loaded page, one Tab lands on the quick exit."""
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name=name, exact=True)).to_be_focused()


def expect_large_touch_targets(targets: Locator) -> None:
    assert targets.count() > 0
    for target in targets.all():
        box = target.bounding_box()
        assert box is not None
        assert box["height"] >= MIN_TOUCH_TARGET, (target.inner_text(), box)


def radio_labels(page: Page) -> Locator:
    """Each answer's label, the whole of which takes a tap."""
    return page.locator("label").filter(has=page.get_by_role("radio"))


def expect_never_cached(responses: list[Response]) -> None:
    assert responses
    cached = [
        f"{response.status} {response.url}: {response.headers.get('cache-control')!r}"
        for response in responses
        if "no-store" not in response.headers.get("cache-control", "")
    ]
    assert not cached, "Tablet responses a browser may keep:\n" + "\n".join(cached)


def expect_neutral(page: Page) -> None:
    expect(page.get_by_role("heading", name="Welcome", level=1)).to_be_visible()
    lead = page.get_by_text("Please have a seat. Someone will be with you shortly.")
    expect(lead).to_be_visible()
    expect(page.get_by_role("radio")).to_have_count(0)
    expect(page.get_by_role("link", name="Exit now")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text("Ana Ruiz")
    assert page.title() == "Welcome"


def replay_kiosk_token(page: Page, token: str) -> None:
    """Put a kiosk token back into this browser's server-side session, as a copied or
    restored session would: the tablet then asks the server for that token's questions."""
    engine = import_module(settings.SESSION_ENGINE)
    cookie = next(c for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
    state = engine.SessionStore(session_key=cookie["value"])
    state[KIOSK_SESSION] = token
    state[KIOSK_LANGUAGE] = "en"
    state.save()


def test_patient_answers_in_spanish_and_hands_the_tablet_back(
    page: Page, axe_check, clinician, patient, kiosk_responses
):
    sign_in(page, clinician.username)
    # The patient prefers Spanish: staff set it, and the patient still chooses on the tablet.
    hand_over(page, patient, PHQ9, PC_PTSD5, language="Español")
    # PC-PTSD-5 asks about assault and abuse: staff confirm privacy before handing over.
    axe_check(page, "privacy-gate")
    confirm_alone(page)
    expect(page.get_by_role("heading", name="Hand over the tablet", level=1)).to_be_visible()
    expect(page.get_by_text(f"Questionnaires: {PC_PTSD5}, {PHQ9}")).to_be_visible()
    axe_check(page, "handover")
    page.get_by_role("button", name="Start and hand over").click()
    session = ScreeningSession.objects.get(patient=patient, mode=Mode.KIOSK)
    token = session.kiosk_token
    assert token

    # The tablet: nothing of the patient, the staff member or the app on screen. The
    # language question is asked in both languages, each part marked with its language.
    heading = page.get_by_role("heading", name="Choose your language / Elija su idioma")
    expect(heading).to_be_visible()
    expect(heading.locator("[lang=en]")).to_have_text("Choose your language")
    expect(heading.locator("[lang=es]")).to_have_text("Elija su idioma")
    expect(page.locator("body")).not_to_contain_text("Ana Ruiz")
    expect(page.locator("body")).not_to_contain_text("Rivera")
    expect_quick_exit_first(page, es("Exit now"))
    expect_large_touch_targets(page.get_by_role("button", name=re.compile("^(English|Español)$")))
    axe_check(page, "kiosk-language")
    page.get_by_role("button", name="Español").click()

    # Part 1, PC-PTSD-5 in Spanish, with large touch targets.
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_text("Parte 1 de 2")).to_be_visible()
    expect(
        page.get_by_role("heading", name="Prueba de detección de TEPT en atención primaria")
    ).to_be_visible()
    exposure = "¿Alguna vez ha vivido este tipo de evento?"
    expect(page.get_by_role("group", name=exposure).get_by_role("radio", name="Sí")).to_be_visible()
    expect_quick_exit_first(page, es("Exit now"))
    expect_large_touch_targets(radio_labels(page))
    axe_check(page, "kiosk-pc-ptsd5-es")

    # While the patient has the tablet, staff pages bring them back to the questions.
    for address in (
        "/patients/",
        f"/patients/{patient.pk}/",
        f"/patients/{patient.pk}/screening/{session.pk}/",
        "/",
    ):
        page.goto(address)
        expect(page).to_have_url(re.compile(r"/kiosk/questions/pc-ptsd-5/$"))
        expect(page.get_by_role("group", name=exposure)).to_be_visible()
        expect(page.locator("body")).not_to_contain_text("Ana Ruiz")

    # A "no" to the trauma question: no symptom questions follow.
    answer(page, exposure, "No")
    expect(page.get_by_role("group")).to_have_count(1)
    page.get_by_role("button", name=es("Save answers")).click()

    # Part 2, PHQ-9 in Spanish.
    expect(page.get_by_text("Parte 2 de 2")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(
        page.get_by_role("heading", name="Cuestionario sobre la salud del paciente (PHQ-9)")
    ).to_be_visible()
    first = page.get_by_role("group", name="Poco interés o placer en hacer cosas")
    expect(first.get_by_role("radio", name="Ningún día")).to_be_visible()
    expect_quick_exit_first(page, es("Exit now"))
    expect_large_touch_targets(radio_labels(page))
    axe_check(page, "kiosk-phq9-es")
    answer_each(
        page,
        "Ningún día",
        except_for={"Si marcó cualquiera de los problemas": "No ha sido difícil"},
    )
    page.get_by_role("button", name=es("Save answers")).click()

    # Done: hand the tablet back.
    expect(page.get_by_role("heading", name="Gracias", level=1)).to_be_visible()
    expect(page.get_by_text("Por favor, devuelva la tableta")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect_quick_exit_first(page, es("Exit now"))
    axe_check(page, "kiosk-done-es")
    # Results stay closed until staff confirm who they are.
    page.goto(f"/patients/{patient.pk}/screening/{session.pk}/")
    expect(page.get_by_role("heading", name="Gracias", level=1)).to_be_visible()

    page.get_by_role("link", name=es("Staff"), exact=True).click()
    expect(page.get_by_role("heading", name="Staff: confirm it is you", level=1)).to_be_visible()
    axe_check(page, "kiosk-unlock")
    page.get_by_label("Password").fill("not my password")
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("alert")).to_contain_text("The password or the code was not right.")
    axe_check(page, "kiosk-unlock-wrong")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Code").fill(fresh_code(clinician))
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", name="Screening results: Ana Ruiz", level=1)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    scores = page.get_by_role("table", name="Scores of this screening")
    phq9 = scores.get_by_role("row", name=re.compile("PHQ-9")).get_by_role("cell")
    expect(phq9.nth(0)).to_have_text("0 (positive from 10)")
    expect(phq9.nth(1)).to_contain_text("Negative")
    ptsd = scores.get_by_role("row", name=re.compile("PC-PTSD-5")).get_by_role("cell")
    expect(ptsd.nth(1)).to_contain_text("Negative")
    axe_check(page, "results-after-unlock")

    # The token is spent: the tablet shows only the neutral screen, staff pages open again.
    page.goto("/kiosk/")
    expect_neutral(page)
    axe_check(page, "kiosk-neutral")
    page.goto("/kiosk/questions/phq-9/")
    expect_neutral(page)
    page.goto("/patients/")
    expect(page.get_by_role("heading", name="Find a patient", level=1)).to_be_visible()

    # Another tablet starts self-screening for a second patient. The spent token, put back
    # into this tablet's session, reaches neither patient's questions nor their names.
    other = make_patient(
        actor=clinician, clinic=clinician.clinics.get(), preferred_name="Marisol Vega"
    )
    services.screening_start(
        actor=clinician, patient=other, instrument_ids=["phq-9"], language="en", mode=Mode.KIOSK
    )
    replay_kiosk_token(page, token)
    for address in ("/kiosk/", "/kiosk/questions/phq-9/", f"/patients/{other.pk}/"):
        page.goto(address)
        expect_neutral(page)
        expect(page.locator("body")).not_to_contain_text("Marisol")
    assert not other.screening_results.exists()
    assert patient.screening_results.count() == 2

    expect_never_cached(kiosk_responses)


def test_quick_exit_leaves_a_neutral_screen_that_back_does_not_undo(
    page: Page, axe_check, clinician, patient, kiosk_responses
):
    sign_in(page, clinician.username)
    hand_over(page, patient, PHQ9, language="English")
    start_handover(page)
    expect_quick_exit_first(page)
    page.get_by_role("button", name="English").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    question = page.get_by_role("group", name="Little interest or pleasure in doing things")
    expect(question).to_be_visible()
    expect_quick_exit_first(page)
    expect_large_touch_targets(radio_labels(page))
    axe_check(page, "kiosk-questions-en")
    answer(page, "Little interest or pleasure in doing things", "Several days")

    # Someone comes in: the patient leaves at once with the quick exit.
    page.get_by_role("link", name="Exit now").press("Enter")
    expect_neutral(page)
    axe_check(page, "kiosk-neutral-after-exit")

    # Back brings none of the questions again: the browser kept nothing, asks the server
    # for the questions page anew, and is sent to the neutral screen.
    response = page.go_back()
    assert response is not None
    assert response.request.redirected_from is not None
    assert response.request.redirected_from.url.endswith("/kiosk/questions/phq-9/")
    expect_neutral(page)
    page.go_back()
    expect_neutral(page)
    page.go_forward()
    expect_neutral(page)

    # Still locked: staff pages stay out of reach until staff confirm who they are.
    page.goto(f"/patients/{patient.pk}/")
    expect_neutral(page)
    page.get_by_role("link", name="Staff", exact=True).click()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Code").fill(fresh_code(clinician))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Screening results: Ana Ruiz", level=1)).to_be_visible()
    # The one answer chosen before the exit is kept, as an unfinished questionnaire.
    scores = page.get_by_role("table", name="Scores of this screening")
    phq9 = scores.get_by_role("row", name=re.compile("PHQ-9")).get_by_role("cell")
    expect(phq9.nth(0)).to_contain_text("Not finished: Questions 2, 3, 4, 5, 6, 7, 8 and 9 not")
    expect(phq9.nth(1)).to_contain_text("Incomplete: not a negative result")
    expect(page.get_by_text("Stopped")).to_be_visible()

    # Pages and the previews sent while answering: none may be kept by the browser.
    kinds = {response.request.resource_type for response in kiosk_responses}
    assert "document" in kinds
    assert kinds & {"xhr", "fetch"}, kinds
    expect_never_cached(kiosk_responses)
