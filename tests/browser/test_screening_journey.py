"""Private screening led by a clinician, in English, in a real browser.

The journeys: the privacy gate (a companion as interpreter is refused), the indicator
checklist with a key sign, PHQ-9 with a thought of self-harm, the urgent banner and its
acknowledgement, PEARR next steps and a code decided with the patient; a screen deferred
for want of a private moment; PC-PTSD-5 showing its symptom questions only after a "yes".

Every distinct page is checked with axe (WCAG 2.0/2.1 A and AA) and screenshotted.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from lantern.accounts.models import User
from lantern.patients.models import Patient
from tests.browser.journey import answer, answer_each, questionnaire_updated, sign_in
from tests.factories import make_patient

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CHECKLIST = "Indicator checklist (decision support)"
PHQ9 = "Patient Health Questionnaire (PHQ-9)"
PC_PTSD5 = "Primary Care PTSD Screen for DSM-5 (PC-PTSD-5)"
ITEM_9 = "Thoughts that you would be better off dead or of hurting yourself"
EXPOSURE = "Have you ever experienced this kind of event?"
SYMPTOMS = (
    "Had nightmares about the event(s)",
    "Tried hard not to think about the event(s)",
    "Been constantly on guard",
    "Felt numb or detached",
    "Felt guilty or unable to stop blaming yourself",
)


@pytest.fixture
def patient(clinician: User) -> Patient:
    """An adult (born 1998) on Dr. Rivera's care team."""
    return make_patient(actor=clinician, clinic=clinician.clinics.get(), preferred_name="Ana Ruiz")


def open_screening(page: Page, patient: Patient) -> None:
    page.goto(f"/patients/{patient.pk}/")
    expect(page.get_by_role("heading", name="Ana Ruiz", level=1)).to_be_visible()
    page.get_by_role("link", name="Screening and results").click()
    expect(page.get_by_role("heading", name="Screening: Ana Ruiz", level=1)).to_be_visible()


def start(page: Page, *questionnaires: str, button: str = "Ask the questions now") -> None:
    chooser = page.get_by_role("group", name="Questionnaires")
    for title in questionnaires:
        chooser.get_by_role("checkbox", name=title).check()
    # Ana prefers Spanish, which the form offers first; these journeys ask in English.
    expect(page.get_by_label("Language of the questions")).to_have_value("es")
    page.get_by_label("Language of the questions").select_option(label="English")
    page.get_by_role("button", name=button).click()


def confirm_privacy(page: Page, method: str, interpretation: str) -> None:
    page.get_by_role("group", name="Is the patient alone with you?").get_by_role(
        "radio", name=method
    ).check()
    page.get_by_role("group", name="Interpretation").get_by_role(
        "radio", name=interpretation
    ).check()
    page.get_by_role("button", name="Continue").click()


def test_private_screening_from_gate_to_code_decision(page: Page, axe_check, clinician, patient):
    sign_in(page, clinician.username)
    open_screening(page, patient)
    expect(page.get_by_text("No screening results yet.")).to_be_visible()
    axe_check(page, "screening-overview")
    start(page, CHECKLIST, PHQ9)

    # The privacy gate comes before any question about exploitation.
    expect(page.get_by_role("heading", name="Before you ask", level=1)).to_be_visible()
    axe_check(page, "privacy-gate")
    confirm_privacy(
        page,
        "The companion was asked to step out",
        "Only a companion or family member could interpret",
    )
    refusal = page.get_by_role("alert")
    expect(refusal).to_contain_text("A companion cannot interpret for these questions")
    expect(refusal).to_contain_text("they may be the person controlling the patient")
    expect(page.get_by_role("heading", name="Before you ask", level=1)).to_be_visible()
    axe_check(page, "privacy-gate-refused")

    confirm_privacy(
        page, "The companion was asked to step out", "Professional interpreter, in person"
    )

    # The checklist: a companion who speaks for the patient is a key sign.
    expect(page.get_by_role("heading", name=CHECKLIST, level=1)).to_be_visible()
    expect(page.get_by_text("not a validated score")).to_be_visible()
    axe_check(page, "ask-checklist")
    answer_each(
        page,
        "Not present",
        except_for={"A companion answers for the patient": "Present"},
    )
    page.get_by_role("button", name="Save answers").click()

    # PHQ-9, with any thought of self-harm on item 9.
    expect(page.get_by_role("heading", name=PHQ9, level=1)).to_be_visible()
    axe_check(page, "ask-phq9")
    answer_each(
        page,
        "Not at all",
        except_for={
            "Feeling down": "Several days",
            ITEM_9: "Several days",
            "If you checked off any problems": "Somewhat difficult",
        },
    )
    page.get_by_role("button", name="Save answers").click()

    # Results: the urgent banner first, waiting for a clinician to say what they did.
    expect(page.get_by_role("heading", name="Screening results: Ana Ruiz", level=1)).to_be_visible()
    banner = page.get_by_role("alert").filter(
        has=page.get_by_role("heading", name="Urgent: possible suicide risk")
    )
    expect(banner).to_contain_text("Assess suicide risk before the patient leaves")
    expect(banner.get_by_role("button", name="Acknowledge")).to_be_visible()
    scores = page.get_by_role("table", name="Scores of this screening")
    expect(scores.get_by_role("row", name=re.compile("PHQ-9"))).to_contain_text(
        "Question 9: the patient reported thoughts of being better off dead or of self-harm"
    )
    axe_check(page, "results-urgent")

    banner.get_by_label("What did you do?").fill(
        "Stayed with the patient; safety assessment by the counselor on duty."
    )
    banner.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_role("status")).to_contain_text("Acknowledged.")
    expect(banner).to_contain_text("Acknowledged by Dr. Rivera at")
    expect(banner).to_contain_text("safety assessment by the counselor on duty")
    expect(banner.get_by_role("button", name="Acknowledge")).to_have_count(0)
    axe_check(page, "results-acknowledged")

    # Decision support for the key sign: PEARR and codes to decide on with the patient.
    pearr = page.get_by_role("region", name="Next steps (PEARR)")
    expect(pearr.get_by_role("listitem")).to_have_count(5)
    expect(pearr).to_contain_text("The patient decides what happens next.")
    codes = page.get_by_role("region", name="Diagnosis codes to consider")
    suggested = codes.get_by_role("radio", name=re.compile(r"^T76\.51 "))
    expect(suggested).to_be_visible()
    expect(codes.get_by_role("radio", name=re.compile(r"^T76\.52"))).to_have_count(0)
    expect(codes.get_by_role("radio", name=re.compile(r"^Z04\.81"))).to_be_visible()
    expect(codes.get_by_role("radio", name=re.compile(r"^Z91\.42"))).to_be_visible()
    phase = codes.get_by_role("group", name=re.compile("^Phase of care"))
    active = phase.get_by_role("radio", name=re.compile("^A: active treatment"))
    expect(active).not_to_be_checked()

    # Recording a code without having discussed it is refused; the typed note stays.
    suggested.check()
    active.check()
    codes.get_by_role("radio", name="Recorded, as agreed with the patient").check()
    codes.get_by_label("Note").fill("Talked through what the code means for her records.")
    codes.get_by_role("button", name="Record decision").click()
    summary = page.get_by_role("alert").filter(
        has=page.get_by_role("heading", name="Please correct the highlighted fields")
    )
    expect(summary).to_contain_text("Discuss the code with the patient before recording it.")
    expect(page.get_by_role("status")).to_have_count(0)
    codes = page.get_by_role("region", name="Diagnosis codes to consider")
    expect(codes.get_by_label("Note")).to_have_value(
        "Talked through what the code means for her records."
    )
    discussed = codes.get_by_role(
        "checkbox", name="I discussed this code with the patient and they agree"
    )
    expect(discussed).to_have_accessible_description(
        re.compile("Discuss the code with the patient before recording it.")
    )
    expect(codes).not_to_contain_text("T76.51XA: Recorded")
    axe_check(page, "results-code-refused")

    codes.get_by_role("radio", name=re.compile(r"^T76\.51 ")).check()
    codes.get_by_role("radio", name=re.compile("^A: active treatment")).check()
    codes.get_by_role("radio", name="Recorded, as agreed with the patient").check()
    discussed.check()
    codes.get_by_role("button", name="Record decision").click()
    expect(page.get_by_role("status")).to_contain_text("Decision recorded.")
    codes = page.get_by_role("region", name="Diagnosis codes to consider")
    expect(codes.get_by_role("listitem")).to_have_text(
        re.compile(r"^T76\.51XA: Recorded, as agreed with the patient \(\d{4}-\d{2}-\d{2}\)$")
    )
    expect(codes.get_by_label("Note")).to_have_value("")
    axe_check(page, "results-code-recorded")

    # The screening's history lists both questionnaires.
    page.get_by_role("link", name="Back to screening").click()
    history = page.get_by_role("table", name="Screening results, newest first")
    expect(history.get_by_role("rowheader", name=CHECKLIST)).to_be_visible()
    expect(history.get_by_role("rowheader", name=PHQ9)).to_be_visible()
    axe_check(page, "screening-history")


def test_no_private_moment_defers_to_the_next_contact(page: Page, axe_check, clinician, patient):
    sign_in(page, clinician.username)
    open_screening(page, patient)
    start(page, CHECKLIST)
    expect(page.get_by_role("heading", name="Before you ask", level=1)).to_be_visible()

    later = page.get_by_role("region", name="No private moment?")
    later.get_by_label("Note for the next contact").fill("Try during the next lab visit.")
    later.get_by_role("button", name="Defer to the next contact").click()

    expect(page.get_by_role("status")).to_contain_text(
        "Screening deferred. It is listed for the next contact."
    )
    waiting = page.get_by_role("note").filter(
        has=page.get_by_role("heading", name="Waiting for a private moment")
    )
    expect(waiting).to_contain_text("the patient could not be seen alone")
    expect(waiting).to_contain_text("Try during the next lab visit.")
    expect(page.get_by_text("No screening results yet.")).to_be_visible()
    axe_check(page, "screening-deferred")

    page.get_by_role("link", name="Back to the patient").click()
    screening = page.get_by_role("region", name="Screening")
    expect(screening).to_contain_text("1 screening is waiting for a private moment.")
    axe_check(page, "patient-screening-waiting")


def test_trauma_symptom_questions_follow_a_yes(page: Page, axe_check, clinician, patient):
    sign_in(page, clinician.username)
    open_screening(page, patient)
    start(page, PC_PTSD5)
    # PC-PTSD-5 asks about assault and abuse: the privacy gate comes first.
    confirm_privacy(page, "The patient came alone", "No interpreter needed")
    expect(page.get_by_role("heading", name=PC_PTSD5, level=1)).to_be_visible()

    def symptom_questions():
        return page.get_by_role("group", name=re.compile("|".join(map(re.escape, SYMPTOMS))))

    expect(page.get_by_role("group", name=EXPOSURE)).to_be_visible()
    expect(symptom_questions()).to_have_count(0)
    # The examples of events read one to a line, as printed on the form.
    examples = page.get_by_text("Sometimes things happen to people")
    assert "frightening, horrible, or traumatic. For example:\n• a serious accident or fire\n" in (
        examples.inner_text()
    )
    axe_check(page, "ask-pc-ptsd5")

    # "No": still no symptom questions.
    answer(page, EXPOSURE, "No")
    expect(
        page.get_by_role("group", name=EXPOSURE).get_by_role("radio", name="No", exact=True)
    ).to_be_checked()
    expect(symptom_questions()).to_have_count(0)
    expect(page.get_by_text("In the past month, have you...")).to_have_count(0)

    # On from there by keyboard: the focus stayed on the answer through the swap; the arrow
    # key changes it to "Yes", the five questions appear, and the focus stays put again.
    exposure = page.get_by_role("group", name=EXPOSURE)
    expect(exposure.get_by_role("radio", name="No", exact=True)).to_be_focused()
    with questionnaire_updated(page):
        page.keyboard.press("ArrowUp")
    expect(symptom_questions()).to_have_count(5)
    expect(page.get_by_text("In the past month, have you...")).to_be_visible()
    expect(exposure.get_by_role("radio", name="Yes")).to_be_checked()
    expect(exposure.get_by_role("radio", name="Yes")).to_be_focused()
    axe_check(page, "ask-pc-ptsd5-symptoms")

    # Tab goes on to the first symptom question; space answers it, and so on.
    for number, question in enumerate(SYMPTOMS):
        page.keyboard.press("Tab")
        group = page.get_by_role("group", name=question)
        first = group.get_by_role("radio", name="Yes", exact=True)
        expect(first).to_be_focused()
        with questionnaire_updated(page):
            page.keyboard.press("Space" if number < 3 else "ArrowDown")
        chosen = "Yes" if number < 3 else "No"
        expect(group.get_by_role("radio", name=chosen, exact=True)).to_be_checked()
        expect(group.get_by_role("radio", name=chosen, exact=True)).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Save answers")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Screening results: Ana Ruiz", level=1)).to_be_visible()
    row = page.get_by_role("table", name="Scores of this screening").get_by_role(
        "row", name=re.compile("PC-PTSD-5")
    )
    # Three symptoms: positive at the default threshold of 3.
    expect(row.get_by_role("cell").nth(0)).to_have_text("3 (positive from 3)")
    expect(row.get_by_role("cell").nth(1)).to_contain_text("Positive")
    expect(row.get_by_role("cell").nth(1)).to_contain_text(
        "Positive screen: assess further for PTSD"
    )
    axe_check(page, "results-pc-ptsd5")


def test_quick_answers_on_a_slow_network_are_all_kept(page: Page, clinician, patient):
    """Each answer sends a preview; on a slow network a later answer must not be wiped
    when an earlier preview comes back and is swapped in."""
    sign_in(page, clinician.username)
    open_screening(page, patient)
    start(page, PHQ9)
    expect(page.get_by_role("heading", name=PHQ9, level=1)).to_be_visible()

    network = page.context.new_cdp_session(page)
    network.send("Network.enable")
    network.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 400, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    questions = page.locator("#instrument-form").get_by_role("group")
    for number in range(3):
        questions.nth(number).get_by_role("radio", name="Several days").check()
    with questionnaire_updated(page):
        questions.nth(3).get_by_role("radio", name="Several days").check()
    for number in range(4):
        expect(questions.nth(number).get_by_role("radio", name="Several days")).to_be_checked()
