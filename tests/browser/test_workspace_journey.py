"""Each role signs in to its own workspace in a real browser, finds its work there, and every
page on the way passes axe; a member of staff takes a training module, and a clinic's
training rule stops a screening until it is done."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from lantern.accounts.models import CareTeamMember, Role
from lantern.training import catalogue
from lantern.training.models import TrainingPolicy
from tests.accounts.test_workspaces import add_work
from tests.browser.journey import choose_language, sign_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

# Role -> (persona, headings its workspace shows, (region, link) to follow, the heading it opens).
WORKSPACES = {
    "clinician": (
        "clinician",
        ("Today's patients", "Urgent windows", "Your worklist", "Needs attention now"),
        ("Today's patients", "Rosa Delgado"),
        "Visit: Rosa Delgado",
    ),
    "advocate": (
        "colleague",
        ("Safety and contact plans to confirm", "Referrals awaiting an answer"),
        ("Safety and contact plans to confirm", "Rosa Delgado"),
        "Contact plan",
    ),
    "counselor": (
        "counselor",
        ("Positive mental-health screens without a follow-up", "Re-screens due"),
        ("Positive mental-health screens without a follow-up", "Rosa Delgado"),
        "Screening results",
    ),
    "privacy_officer": (
        "auditor",
        ("Emergency access to review", "Recent refusals"),
        ("Emergency access to review", "All emergency access reviews"),
        "Emergency access reviews",
    ),
    "administrator": (
        "admin",
        ("Staff", "Clinics", "Follow-up protocols", "Service directory"),
        ("Clinics", "Riverside Clinic"),
        "Settings: Riverside Clinic",
    ),
    "program_manager": (
        "manager",
        ("Training status", "Program reports"),
        ("Training status", "Training status by person"),
        "Training status",
    ),
}


@pytest.fixture
def counselor(personas):
    return UserFactory(
        username="counselor",
        display_name="Sam Ortiz",
        role=Role.COUNSELOR,
        clinics=[personas.clinic],
    )


@pytest.mark.parametrize("role", sorted(WORKSPACES))
def test_each_role_starts_at_its_workspace(page: Page, axe_check, personas, counselor, role):
    add_work(personas, counselor, patient=personas.patient)
    persona, headings, (region, link), opens = WORKSPACES[role]
    user = counselor if persona == "counselor" else personas.by_name(persona)
    sign_in(page, user.username)
    main = page.get_by_role("main")
    for heading in headings:
        expect(main.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="My work")).to_have_attribute("aria-current", "page")
    axe_check(page, f"workspace-{role}")
    main.get_by_role("region", name=region, exact=True).get_by_role(
        "link", name=link, exact=True
    ).click()
    expect(page.get_by_role("heading", name=opens, level=1)).to_be_visible()
    axe_check(page, f"workspace-{role}-next")


def test_an_advocate_sees_no_examination_in_a_visit(page: Page, axe_check, personas, counselor):
    add_work(personas, counselor, patient=personas.patient)
    sign_in(page, personas.colleague.username)
    visit = personas.patient.encounters.get()
    page.goto(f"/patients/{personas.patient.pk}/visits/{visit.pk}/")
    expect(page.get_by_role("heading", name="Visit: Rosa Delgado", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="How to listen")).to_be_visible()
    expect(page.get_by_role("heading", name="Examination")).to_have_count(0)
    expect(page.get_by_role("heading", name="Injuries")).to_have_count(0)
    expect(page.get_by_text("Some parts of this visit are not shown")).to_be_visible()
    axe_check(page, "visit-as-advocate")


def test_a_workspace_in_spanish(page: Page, axe_check, personas, counselor):
    add_work(personas, counselor, patient=personas.patient)
    sign_in(page, counselor.username)
    choose_language(page, "Español")
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", name="Tamizajes de repetición pendientes")).to_be_visible()
    expect(main.get_by_role("heading", name="Derivaciones a terapia y grupos")).to_be_visible()
    axe_check(page, "workspace-counselor-es")


def answer_check(page: Page, module, *, wrong_first: bool = False) -> None:
    for n, question in enumerate(module.check):
        wrong = wrong_first and n == 0
        chosen = next(o for o in question.options if (o.id == question.answer) != wrong)
        page.get_by_role("group", name=question.prompt["en"]).get_by_label(
            chosen.text["en"], exact=True
        ).check()
    attest = page.get_by_label("I have read this module and will work by it.")
    if not attest.is_checked():
        attest.check()
    page.get_by_role("button", name="Check my answers and attest").click()


def test_training_gates_screening_until_the_modules_are_done(page: Page, axe_check, personas):
    TrainingPolicy.objects.create(clinic=personas.clinic, required_for_screening=True)
    modules = catalogue.modules()
    sign_in(page, personas.clinician.username)
    page.goto(f"/patients/{personas.patient.pk}/screening/")
    notice = page.get_by_role("note")
    expect(notice.get_by_role("heading", name="Modules to complete")).to_be_visible()
    expect(page.get_by_role("button", name="Ask the questions now")).to_have_count(0)
    axe_check(page, "screening-gated")
    for module in modules:
        page.goto(f"/training/{module.id}/")
        expect(page.get_by_role("heading", name=module.title["en"], level=1)).to_be_visible()
        if module is modules[0]:
            axe_check(page, "training-module")
            # One wrong answer first: nothing is recorded, and that question says so.
            answer_check(page, module, wrong_first=True)
            expect(page.get_by_text("Not quite. Read the module again").first).to_be_visible()
            axe_check(page, "training-module-wrong")
        answer_check(page, module)
        expect(page.get_by_role("status")).to_contain_text("Your attestation of")
    axe_check(page, "training-list")
    page.goto(f"/patients/{personas.patient.pk}/screening/")
    expect(page.get_by_role("button", name="Ask the questions now")).to_be_visible()


def test_a_program_manager_reads_training_status(page: Page, axe_check, personas):
    CareTeamMember.objects.get_or_create(patient=personas.patient, user=personas.colleague)
    sign_in(page, personas.manager.username)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Training status").click()
    expect(page.get_by_role("heading", name="Riverside Clinic", level=2)).to_be_visible()
    expect(page.get_by_role("table").first).to_contain_text(personas.clinician.display_name)
    axe_check(page, "training-status")
