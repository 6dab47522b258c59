"""Follow-up after the first visit, in a real browser.

The journey: a patient with a positive PHQ-9 and a safe email address -> the visit records
an exposure 58 hours ago, what was given and a sign of an STI -> the visit page counts down
the nPEP window before any plan exists -> the care plan is made from the visit, physical and
mental health together, the follow-up exam brought forward by the sign -> the clinician's
worklist shows the nPEP window closing within 24 hours -> the first hepatitis B dose is booked
for tomorrow -> the reminder sweep (the task worker's job) decides and the outbox delivers the
reminders to a real SMTP server on 127.0.0.1, by the safe channel only, in neutral wording ->
the chart shows them sent, with their wording -> nPEP is started and marked done -> the window
leaves the worklist.

Every distinct page is checked with axe (WCAG 2.0/2.1 A and AA) and screenshotted.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from lantern.accounts.models import User
from lantern.careplans.models import Activity
from lantern.careplans.reminders.wording import is_neutral
from lantern.careplans.reminding import reminders_sweep
from lantern.encounters import services as visit_services
from lantern.messaging.delivery import deliver_due
from lantern.messaging.models import OutboxMessage
from lantern.patients import services as registry
from lantern.patients.models import Patient
from lantern.screening import services as screening_services
from tests.browser.journey import sign_in
from tests.factories import make_patient
from tests.messaging.servers import Received, SmtpServer

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture
def patient(clinician: User) -> Patient:
    """An adult woman on Dr. Rivera's care team, whose PHQ-9 today was positive, and who
    gave an email address as safe to use, with a code word."""
    patient = make_patient(
        actor=clinician,
        clinic=clinician.clinics.get(),
        preferred_name="Ana Ruiz",
        preferred_language="en",
    )
    today = timezone.localdate()
    registry.contact_plan_update(
        actor=clinician, patient=patient, do_not_contact=False, notes="", confirmed_at=today
    )
    registry.contact_channel_update(
        actor=clinician,
        patient=patient,
        channel="email",
        values={
            "safety": "safe",
            "destination": "ana@example.org",
            "time_windows": [],
            "voicemail_allowed": False,
            "code_word": "girasol",
            "approved_wording": "",
            "confirmed_at": today,
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


def deliver_reminders() -> list[Received]:
    """One reminder sweep, then the outbox delivered to a real SMTP server; what it got."""
    with (
        SmtpServer() as smtp,
        override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=smtp.port,
            EMAIL_USE_TLS=False,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
        ),
    ):
        # The test suite's task backend runs the delivery as soon as the sweep commits.
        counts = reminders_sweep()
        assert counts["appointment"] == 1
        assert deliver_due() == {}  # nothing left behind in the outbox
    return list(smtp.received)


def test_a_visit_with_exposure_leads_to_a_plan_a_worklist_entry_a_safe_reminder_and_a_completed_follow_up(  # noqa: E501
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
    expect(page.get_by_role("status")).to_contain_text("Care plan made from sa-followup-v1 1.1.0")
    todo = page.get_by_role("region", name="To do")
    expect(todo).to_contain_text(re.compile(r"nPEP window closes in 1[34] h"))
    expect(todo).to_contain_text("Mental-health re-screen")  # from the positive PHQ-9
    expect(todo).to_contain_text("Mental health")
    expect(todo).to_contain_text("Physical health")
    # Discharge was seen: the follow-up exam is within a week of this visit, not 1-2 weeks.
    expect(todo).to_contain_text("Follow-up exam (signs of an STI)")
    expect(todo).to_contain_text("even if prophylaxis was given")
    axe_check(page, "care-plan")

    page.get_by_role("link", name="Worklist").click()
    closing = page.get_by_role("region", name="Windows closing within 24 hours")
    expect(closing.get_by_role("row", name=re.compile("Ana Ruiz.*Start HIV nPEP"))).to_be_visible()
    axe_check(page, "worklist")

    closing.get_by_role("link", name="Ana Ruiz").first.click()
    expect(page.get_by_role("heading", name="Care plan: Ana Ruiz", level=1)).to_be_visible()
    tomorrow = timezone.localtime() + datetime.timedelta(days=1)
    first_dose = tomorrow.replace(hour=10, minute=0, second=0, microsecond=0)
    booking = page.get_by_role("form", name="Appointment for Hepatitis B vaccine, dose 1 of 3")
    booking.get_by_label("Starts at").fill(first_dose.strftime("%Y-%m-%dT%H:%M"))
    booking.get_by_role("button", name="Book").click()
    expect(page.get_by_role("status")).to_contain_text("Appointment booked.")

    received = deliver_reminders()
    to_ana = [mail for mail in received if mail.recipients == ["ana@example.org"]]
    assert to_ana, "no reminder reached the patient's safe address"
    # Nothing went anywhere but the patient's safe address and the staff's own address.
    assert {address for mail in received for address in mail.recipients} <= {
        "ana@example.org",
        clinician.email,
    }
    expected = (
        f"Code word: girasol. Reminder: you have an appointment on "
        f"{first_dose:%A} {first_dose.day} {first_dose:%B} at 10:00."
    )
    assert any(mail.body.strip().startswith(expected) for mail in to_ana)
    for mail in to_ana:
        assert mail.body.startswith("Code word: girasol.")
        assert is_neutral(mail.body), mail.body
        assert "Riverside" not in mail.body  # no clinic name
        assert "Ana" not in mail.body  # no name: whoever holds the mailbox may read it
    patient_mail = OutboxMessage.objects.filter(patient=patient)
    assert set(patient_mail.values_list("state", flat=True)) == {"sent"}
    assert patient_mail.count() == len(to_ana)

    page.get_by_role("link", name="Back to the patient").click()
    reminders = page.get_by_role("table", name="Reminder decisions")
    appointment = reminders.get_by_role("row").filter(has_text="Appointment")
    expect(appointment).to_contain_text("Sent or scheduled · Email")
    expect(appointment).to_contain_text("Sent at once: a safe channel inside its time window.")
    expect(appointment.get_by_role("cell").nth(4)).to_have_text("Sent")
    expect(appointment).to_contain_text(f"“{expected}")
    axe_check(page, "chart-with-sent-reminder")

    page.get_by_role("link", name="Open the care plan").click()
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
