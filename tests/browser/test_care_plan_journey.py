"""Follow-up after the first visit, in a real browser.

The journey: a patient with a positive PHQ-9 -> the visit records an exposure 58 hours ago
and what was given -> the visit page counts down the nPEP window before any plan exists ->
the care plan is made from the visit, physical and mental health together -> the clinician's
worklist shows the nPEP window closing within 24 hours -> nPEP is started and marked done
-> the window leaves the worklist.

Every distinct page is checked with axe (WCAG 2.0/2.1 A and AA) and screenshotted.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from lantern.accounts.models import User
from lantern.careplans.models import Activity
from lantern.encounters import services as visit_services
from lantern.patients.models import Patient
from lantern.screening import services as screening_services
from tests.browser.journey import sign_in
from tests.factories import make_patient

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture
def patient(clinician: User) -> Patient:
    """An adult woman on Dr. Rivera's care team, whose PHQ-9 today was positive."""
    patient = make_patient(
        actor=clinician, clinic=clinician.clinics.get(), preferred_name="Ana Ruiz"
    )
    session = screening_services.screening_start(
        actor=clinician, patient=patient, instrument_ids=["phq-9"], language="en", mode="clinician"
    )
    answers = {f"phq9-{n}": "2" for n in range(1, 9)} | {"phq9-9": "0"}
    screening_services.result_record(
        actor=clinician, session=session, instrument_id="phq-9", answers=answers
    )
    return patient


def record_assessment(page: Page, exposure: datetime.datetime) -> None:
    form = page.get_by_role("form", name="Record the assessment")
    form.get_by_role("group", name="Time of the assault or exposure").get_by_role(
        "radio", name="Known", exact=True
    ).check()
    form.get_by_label("When it happened").fill(
        timezone.localtime(exposure).strftime("%Y-%m-%dT%H:%M")
    )
    form.get_by_role("group", name="HIV nPEP").get_by_role("radio", name="Not started").check()
    form.get_by_role("group", name="HIV status").get_by_role(
        "radio", name="Negative (baseline test)"
    ).check()
    form.get_by_label("Baseline HIV test").select_option(label="4th generation (antigen/antibody)")
    form.get_by_role("group", name="Pregnancy").get_by_role("radio", name="Not pregnant").check()
    form.get_by_role("group", name="Hepatitis B immunity").get_by_role(
        "radio", name="Not known", exact=True
    ).check()
    form.get_by_label("STI prophylaxis given").check()
    form.get_by_label("Discharge").check()
    form.get_by_role("button", name="Save the assessment").click()
    expect(page.get_by_role("status")).to_contain_text("Follow-up assessment saved.")


def test_a_visit_with_exposure_leads_to_a_plan_a_worklist_entry_and_a_completed_follow_up(
    page: Page, clinician: User, patient: Patient, axe_check
) -> None:
    visit = visit_services.encounter_start(
        actor=clinician,
        patient=patient,
        clinic=clinician.clinics.get(),
        kind="emergency",
        companion="came_alone",
        interpreter="not_needed",
    )
    sign_in(page, "dr.rivera")
    page.goto(f"/patients/{patient.pk}/visits/{visit.pk}/")
    follow_up = page.get_by_role("region", name="Follow-up")
    expect(follow_up).to_contain_text("Record the exposure and what was given")
    axe_check(page, "visit-before-assessment")

    record_assessment(page, timezone.now() - datetime.timedelta(hours=58))
    windows = page.get_by_role("note").filter(has_text="Time-critical windows")
    expect(windows).to_contain_text(
        re.compile(r"nPEP window closes in 1[34] h \(\w{3} \d\d:\d\d\)")
    )
    expect(windows).to_contain_text("Emergency contraception window closes in 2 days")
    axe_check(page, "visit-with-windows")

    page.get_by_role("button", name="Make the care plan").click()
    expect(page.get_by_role("heading", name="Care plan: Ana Ruiz", level=1)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Care plan made from sa-followup-v1 1.0.0")
    todo = page.get_by_role("region", name="To do")
    expect(todo).to_contain_text(re.compile(r"nPEP window closes in 1[34] h"))
    expect(todo).to_contain_text("Mental-health re-screen")  # from the positive PHQ-9
    expect(todo).to_contain_text("Mental health")
    expect(todo).to_contain_text("Physical health")
    axe_check(page, "care-plan")

    page.get_by_role("link", name="Worklist").click()
    closing = page.get_by_role("region", name="Windows closing within 24 hours")
    expect(closing.get_by_role("row", name=re.compile("Ana Ruiz.*Start HIV nPEP"))).to_be_visible()
    axe_check(page, "worklist")

    closing.get_by_role("link", name="Ana Ruiz").first.click()
    status = page.get_by_role("form", name="Status of Start HIV nPEP")
    status.get_by_label("Status").select_option(label="Done")
    status.get_by_label("Note").fill("First dose taken at 14:10")
    status.get_by_role("button", name="Change status").click()
    expect(page.get_by_role("status")).to_contain_text("Status changed.")
    closed = page.get_by_role("region", name="Done and closed")
    expect(closed).to_contain_text("Start HIV nPEP")
    expect(closed).to_contain_text("Planned → Done (First dose taken at 14:10)")
    expect(page.get_by_role("region", name="To do")).not_to_contain_text("nPEP window closes")
    axe_check(page, "care-plan-after-follow-up")

    page.get_by_role("link", name="Worklist").click()
    closing = page.get_by_role("region", name="Windows closing within 24 hours")
    expect(closing).not_to_contain_text("Start HIV nPEP")
    npep = Activity.objects.get(code="hiv-npep")
    assert npep.status == "done"
    assert npep.changes.get().changed_by == clinician
