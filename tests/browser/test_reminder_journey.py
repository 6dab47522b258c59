"""A safe reminder, in a real browser.

The journey: the clinician records the patient's safe email with a code word -> an
appointment is booked on the care plan -> the reminder sweep (the task worker's job)
decides and the outbox delivers it to a real SMTP server on 127.0.0.1 -> the chart's
safe-contact card shows the reminder sent; a second patient who asked not to be contacted
gets nothing, and the chart says why.

Every distinct page is checked with axe (WCAG 2.0/2.1 A and AA) and screenshotted.
"""

from __future__ import annotations

import datetime

import pytest
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from lantern.accounts.models import User
from lantern.careplans import services as careplans
from lantern.careplans.reminding import reminders_sweep
from lantern.messaging.delivery import deliver_due
from lantern.patients import services as registry
from lantern.patients.models import Patient
from tests.browser.journey import sign_in
from tests.factories import make_patient
from tests.messaging.servers import SmtpServer

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def book(clinician: User, patient: Patient, starts_at: datetime.datetime) -> None:
    plan = careplans.careplan_for(patient=patient)
    activity = careplans.activity_add(
        plan=plan, actor=clinician, code="followup-exam", title="Follow-up exam", due=starts_at
    )
    careplans.appointment_add(activity=activity, actor=clinician, starts_at=starts_at)


def test_a_safe_reminder_reaches_the_patient_and_the_chart_shows_every_decision(
    page: Page, clinician: User, axe_check
) -> None:
    clinic = clinician.clinics.get()
    ana = make_patient(actor=clinician, clinic=clinic, preferred_name="Ana Ruiz")
    eva = make_patient(actor=clinician, clinic=clinic, preferred_name="Eva Soto")
    registry.contact_plan_update(
        actor=clinician,
        patient=eva,
        do_not_contact=True,
        notes="",
        confirmed_at=timezone.localdate(),
    )
    sign_in(page, "dr.rivera")

    page.goto(f"/patients/{ana.pk}/contact/email/")
    page.get_by_role("group", name="Is this channel safe?").get_by_label("Safe to use").check()
    page.get_by_label("Number or address").fill("ana@example.org")
    page.get_by_label("Code word").fill("girasol")
    page.get_by_label("Confirmed with the patient on").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Save").click()
    registry.contact_plan_update(
        actor=clinician,
        patient=ana,
        do_not_contact=False,
        notes="",
        confirmed_at=timezone.localdate(),
    )

    tomorrow = timezone.localtime() + datetime.timedelta(days=1)
    book(clinician, ana, tomorrow)
    book(clinician, eva, tomorrow)
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
        reminders_sweep()
        assert deliver_due() == {}
    (received,) = smtp.received
    assert received.recipients == ["ana@example.org"]
    assert received.body.startswith("Palabra clave: girasol. Recordatorio: tiene una cita el")

    page.goto(f"/patients/{ana.pk}/")
    reminders = page.get_by_role("table", name="Reminder decisions")
    expect(reminders).to_contain_text("Sent at once: a safe channel inside its time window.")
    expect(reminders).to_contain_text("Email")
    axe_check(page, "chart-with-reminder")

    page.goto(f"/patients/{eva.pk}/")
    expect(page.get_by_role("table", name="Reminder decisions")).to_contain_text(
        "The patient asked not to be contacted."
    )
    page.get_by_role("link", name="Every reminder decision").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reminders: Eva Soto")
    axe_check(page, "reminder-decisions")
