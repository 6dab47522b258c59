"""Safety before convenience, in a real browser (axe on every page, region rule included):

* a patient who needs an interpreter: the visit chooses nothing for the nurse, and seeing
  the patient or screening them without a professional interpreter takes a reason that
  then shows as a warning;
* an acute ASQ answer in the middle of a screening: the next questionnaire opens with the
  urgent panel, and a banner stays on the patient page, the visit page and the start page
  until someone acknowledges it;
* a tablet left idle while a patient answers in Spanish: a neutral Spanish page with quick
  exit first, the answers kept, and staff sign in again to give the tablet back. The server
  clock moves with time-machine and the browser's with Playwright's clock: nobody waits.
"""

from __future__ import annotations

import re
import time

import pytest
import time_machine
from django.conf import settings
from django.utils import translation
from playwright.sync_api import Page, expect

from lantern.accounts.models import User
from lantern.encounters import services as visit_services
from lantern.patients.models import Patient
from lantern.screening.models import ScreeningResult, ScreeningSession
from tests.browser.journey import answer, questionnaire_updated, sign_in
from tests.factories import PASSWORD, fresh_code, make_patient

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

REASON = "The patient asked to go on in Spanish with me; no Mam interpreter reachable."
ASQ = "Ask Suicide-Screening Questions (ASQ)"
PHQ9 = "Patient Health Questionnaire (PHQ-9)"
CHECKLIST = "Indicator checklist (decision support)"


def es(text: str) -> str:
    with translation.override("es"):
        return translation.gettext(text)


def start_screening(page: Page, patient: Patient, *titles: str, language: str = "") -> None:
    page.goto(f"/patients/{patient.pk}/screening/")
    chooser = page.get_by_role("group", name="Questionnaires")
    for title in titles:
        chooser.get_by_role("checkbox", name=title).check()
    if language:
        page.get_by_label("Language of the questions").select_option(label=language)
    page.get_by_role("button", name="Ask the questions now").click()


def test_a_patient_who_needs_an_interpreter(page: Page, axe_check, clinician: User):
    patient = make_patient(
        actor=clinician,
        clinic=clinician.clinics.get(),
        preferred_name="Ana Ruiz",
        preferred_language="mam",
        interpreter_needed=True,
    )
    sign_in(page, clinician.username)
    page.goto(f"/patients/{patient.pk}/visits/")
    start = page.get_by_role("region", name="Start a visit")
    # Nothing is chosen for the nurse: who came, and who interprets, are asked each time.
    for group in ("Did anyone come with the patient?", "Interpreter"):
        for radio in start.get_by_role("group", name=group).get_by_role("radio").all():
            expect(radio).not_to_be_checked()
    axe_check(page, "visit-start-interpreter-needed")
    start.get_by_role("radio", name="Came alone").check()
    start.get_by_role("radio", name="No professional interpreter (say why below)").check()
    start.get_by_role("button", name="Start the visit").click()
    errors = page.get_by_role("alert")
    expect(errors).to_contain_text("This patient needs a professional interpreter.")
    axe_check(page, "visit-start-reason-missing")

    start = page.get_by_role("region", name="Start a visit")
    expect(start.get_by_role("radio", name="Came alone")).to_be_checked()  # kept as chosen
    start.get_by_label("Why is there no professional interpreter?").fill(REASON)
    start.get_by_role("button", name="Start the visit").click()
    expect(page.get_by_role("heading", name="Visit: Ana Ruiz", level=1)).to_be_visible()
    begin = page.get_by_role("region", name="Before you begin")
    expect(begin).to_contain_text(
        "No professional interpreter, although this patient needs one (Mam)."
    )
    expect(begin).to_contain_text(REASON)
    axe_check(page, "visit-without-interpreter")

    # The privacy gate before sensitive questions asks the same, and warns the same.
    start_screening(page, patient, CHECKLIST)
    expect(page.get_by_role("heading", name="Before you ask", level=1)).to_be_visible()
    expect(page.get_by_text("This patient needs a professional interpreter (Mam).")).to_be_visible()
    page.get_by_role("group", name="Is the patient alone with you?").get_by_role(
        "radio", name="The patient came alone"
    ).check()
    page.get_by_role("group", name="Interpretation").get_by_role(
        "radio", name="No professional interpreter (say why below)"
    ).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("Use one, or say why there is none.")
    axe_check(page, "privacy-gate-reason-missing")
    page.get_by_label("Why is there no professional interpreter?").fill(REASON)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name=CHECKLIST, level=1)).to_be_visible()
    expect(page.locator(".interpreter-warning")).to_contain_text(REASON)
    axe_check(page, "checklist-without-interpreter")
    assert ScreeningSession.objects.get().interpreter_reason == REASON


def test_an_acute_asq_answer_mid_session(page: Page, axe_check, clinician: User):
    patient = make_patient(
        actor=clinician, clinic=clinician.clinics.get(), preferred_name="Ana Ruiz"
    )
    visit = visit_services.encounter_start(
        actor=clinician,
        patient=patient,
        clinic=clinician.clinics.get(),
        kind="emergency",
        companion="came_alone",
        interpreter="in_person",
    )
    sign_in(page, clinician.username)
    start_screening(page, patient, ASQ, PHQ9, language="English")
    expect(page.get_by_role("heading", name=ASQ, level=1)).to_be_visible()
    answer(page, "In the past few weeks, have you wished you were dead?", "Yes")
    for question in (
        "In the past few weeks, have you felt that you or your family",
        "In the past week, have you been having thoughts about killing yourself?",
        "Have you ever tried to kill yourself?",
    ):
        answer(page, re.compile("^" + re.escape(question)), "No")
    answer(page, re.compile("^Are you having thoughts of killing yourself right now"), "Yes")
    page.get_by_role("button", name="Save answers").click()

    # The next questionnaire opens with the urgent panel, before its questions.
    expect(page.get_by_role("heading", name=PHQ9, level=1)).to_be_visible()
    panel = page.get_by_role("alert").filter(
        has=page.get_by_role("heading", name="Imminent risk: act now")
    )
    expect(panel).to_contain_text("cannot leave until evaluated")
    axe_check(page, "next-questionnaire-urgent")

    # Until acknowledged, the flag stays in view wherever the patient is opened.
    for address, label in (
        (f"/patients/{patient.pk}/", "patient"),
        (f"/patients/{patient.pk}/visits/{visit.pk}/", "visit"),
        ("/patients/", "start"),
    ):
        page.goto(address)
        banner = page.get_by_role("alert").filter(
            has=page.get_by_role("heading", name="Needs attention now")
        )
        expect(banner).to_contain_text("imminent risk")
        expect(banner).not_to_contain_text("suicide")
        if label == "start":
            expect(banner).to_contain_text("Ana Ruiz")
        axe_check(page, f"banner-{label}")
    assert page.title().startswith("Find a patient")

    session = ScreeningSession.objects.get()
    page.goto(f"/patients/{patient.pk}/screening/{session.pk}/ask/phq-9/")
    panel = page.get_by_role("alert").filter(
        has=page.get_by_role("heading", name="Imminent risk: act now")
    )
    panel.get_by_label("What did you do?").fill("Stayed with her; psychiatric evaluation now.")
    panel.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_role("status")).to_contain_text("Acknowledged.")
    expect(page.get_by_role("heading", name=PHQ9, level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Imminent risk: act now")).to_have_count(0)
    page.goto(f"/patients/{patient.pk}/")
    expect(page.get_by_role("heading", name="Needs attention now")).to_have_count(0)
    assert not ScreeningResult.objects.get().awaiting_acknowledgement


def test_a_tablet_left_idle_in_spanish(page: Page, axe_check, clinician: User):
    patient = make_patient(
        actor=clinician, clinic=clinician.clinics.get(), preferred_name="Ana Ruiz"
    )
    idle = settings.LANTERN_IDLE_TIMEOUT.total_seconds()
    with time_machine.travel(time.time(), tick=True) as server_clock:
        page.clock.install()
        sign_in(page, clinician.username)
        page.goto(f"/patients/{patient.pk}/screening/")
        page.get_by_role("group", name="Questionnaires").get_by_role("checkbox", name=PHQ9).check()
        # Ana prefers Spanish: the questions start in Spanish without anyone choosing it.
        expect(page.get_by_label("Language of the questions")).to_have_value("es")
        page.get_by_role("button", name="Let the patient answer on this tablet").click()
        page.get_by_role("button", name="Start and hand over").click()
        page.get_by_role("button", name="Español").click()
        first = "Poco interés o placer en hacer cosas"
        answer(page, first, "Varios días")
        answer(page, "Se ha sentido decaído(a), deprimido(a) o sin esperanzas", "Ningún día")
        with questionnaire_updated(page):
            page.get_by_role(
                "group", name=re.compile("^Ha tenido dificultad para quedarse")
            ).get_by_role("radio", name="Prefiero no responder").check()

        # The patient walks away. Sixteen minutes later the tablet turns neutral by itself.
        server_clock.shift(idle + 60)
        with page.expect_navigation():
            page.clock.fast_forward(int((idle + 60) * 1000))
        expect(page).to_have_url(re.compile(r"/kiosk/$"))
        expect(page.locator("html")).to_have_attribute("lang", "es")
        expect(page.get_by_role("heading", name=es("Welcome"), level=1)).to_be_visible()
        expect(
            page.get_by_text(es("Please have a seat. Someone will be with you shortly."))
        ).to_be_visible()
        expect(page.get_by_role("radio")).to_have_count(0)
        expect(page.locator("body")).not_to_contain_text("Ana Ruiz")
        expect(page.get_by_label("Password")).to_have_count(0)  # not the staff sign-in page
        page.keyboard.press("Tab")
        expect(page.get_by_role("link", name=es("Exit now"), exact=True)).to_be_focused()
        axe_check(page, "kiosk-idle-es")
        session = ScreeningSession.objects.get()
        assert session.kiosk_idle_at is not None
        assert session.kiosk_draft["phq-9"] == {
            "phq9-1": "several_days",
            "phq9-2": "not_at_all",
            "phq9-3": "declined",
        }

        # Staff come back: they sign in again on the tablet and give it back to Ana.
        page.get_by_role("link", name=es("Staff"), exact=True).click()
        page.get_by_label("Username").fill(clinician.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_label("Code").fill(fresh_code(clinician))
        page.get_by_role("button", name="Continue").click()
        expect(
            page.get_by_role("heading", name="Staff: the tablet was left idle", level=1)
        ).to_be_visible()
        axe_check(page, "kiosk-resume")
        page.get_by_role("button", name="Give the tablet back to the patient").click()

        # The questions come back in Spanish with the answers given so far.
        expect(page.get_by_role("group", name=first)).to_be_visible()
        expect(page.locator("html")).to_have_attribute("lang", "es")
        expect(
            page.get_by_role("group", name=first).get_by_role("radio", name="Varios días")
        ).to_be_checked()
        expect(
            page.get_by_role(
                "group", name=re.compile("^Ha tenido dificultad para quedarse")
            ).get_by_role("radio", name="Prefiero no responder")
        ).to_be_checked()
        page.keyboard.press("Tab")
        expect(page.get_by_role("link", name=es("Exit now"), exact=True)).to_be_focused()
        axe_check(page, "kiosk-resumed-es")
