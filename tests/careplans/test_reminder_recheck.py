"""A queued reminder is decided again by the worker as it is about to go out: the patient's
safe-contact preferences and the clinic's rules as they are then, the time window, and
whether the appointment still needs it. Every test queues with the real sweep and sends with
the real worker (``deliver_due``) to a real SMTP server."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from lantern.careplans import services as careplans
from lantern.careplans.models import Activity
from lantern.careplans.reminding import RECONFIRM_REF, reminders_sweep
from lantern.messaging.delivery import deliver_due
from lantern.messaging.models import ContactDecision, OutboxMessage, ReminderRules, State
from tests.careplans.test_reminding import appointment
from tests.messaging.conftest import safe_channel, smtp_server  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
TZ = timezone.get_default_timezone()
NOW = datetime.datetime(2026, 12, 2, 10, 0, tzinfo=TZ)  # Wednesday 10:00
TOMORROW_AT_NINE = NOW + datetime.timedelta(hours=23)  # Thursday 09:00


@pytest.fixture(autouse=True)
def _frozen(time_machine):  # type: ignore[no-untyped-def]
    time_machine.move_to(NOW, tick=False)


def queued(personas, **channel):  # type: ignore[no-untyped-def]
    """An appointment reminder decided and queued by the sweep (not sent yet)."""
    safe_channel(personas, **channel)
    appointment(personas, TOMORROW_AT_NINE, owner=personas.clinician)
    assert reminders_sweep()["appointment"] == 1
    message = OutboxMessage.objects.get(audience="patient")
    assert message.state == State.QUEUED
    return message


def withheld_for(message):  # type: ignore[no-untyped-def]
    message.refresh_from_db()
    assert message.state == State.WITHHELD
    latest = ContactDecision.objects.filter(message=message).first()
    assert (latest.outcome, latest.reason) == ("withhold", "changed_before_sending")
    return message.last_error


def test_a_code_word_changed_after_queueing_is_the_one_sent(personas, smtp_server):  # noqa: F811
    message = queued(personas, code_word="girasol")
    assert message.body.startswith("Palabra clave: girasol.")
    safe_channel(personas, code_word="luna")
    assert deliver_due() == {"sent": 1}
    (received,) = smtp_server.received
    assert received.body.strip().startswith("Palabra clave: luna. Recordatorio:")
    assert "girasol" not in received.body
    message.refresh_from_db()
    assert message.body == received.body.strip()  # staff see what was sent


def test_a_code_word_the_clinic_now_requires_stops_the_reminder(personas, smtp_server):  # noqa: F811
    message = queued(personas)
    ReminderRules.objects.create(clinic=personas.clinic, require_code_word=True)
    assert deliver_due() == {"withheld": 1}
    assert smtp_server.received == []
    assert withheld_for(message) == "code_word_missing"


def test_wording_changed_to_revealing_words_is_not_sent(personas, smtp_server):  # noqa: F811
    message = queued(personas)
    safe_channel(personas, approved_wording="Your HIV test results are ready")
    assert deliver_due() == {"withheld": 1}
    assert smtp_server.received == []
    assert withheld_for(message) == "wording_not_neutral"


def test_preferences_gone_stale_while_queued_ask_staff_instead(personas, smtp_server):  # noqa: F811
    message = queued(personas)
    ReminderRules.objects.create(clinic=personas.clinic, reconfirm_days=7)
    safe_channel(personas, plan_confirmed=(NOW - datetime.timedelta(days=8)).date())
    assert deliver_due() == {"withheld": 1, "sent": 1}  # sent: the staff member's notice
    (staff_mail,) = smtp_server.received
    assert staff_mail.recipients == [personas.clinician.email]
    assert withheld_for(message) == "preferences_stale"
    task = Activity.objects.get(external_ref=RECONFIRM_REF)
    assert task.owner == personas.clinician


def test_a_changed_time_window_moves_the_reminder_into_it(personas, smtp_server):  # noqa: F811
    message = queued(personas)
    wednesday_evening = [{"days": [2], "start": "18:00", "end": "20:00"}]
    safe_channel(personas, time_windows=wednesday_evening)
    assert deliver_due() == {"queued": 1}
    message.refresh_from_db()
    assert message.not_before == NOW.replace(hour=18)
    assert smtp_server.received == []


def test_a_window_that_opens_only_after_the_appointment_withholds_it(personas, smtp_server):  # noqa: F811
    message = queued(personas)
    friday = [{"days": [4], "start": "09:00", "end": "12:00"}]
    safe_channel(personas, time_windows=friday)
    assert deliver_due() == {"withheld": 1}
    assert smtp_server.received == []
    assert withheld_for(message) == "window_after_event"


def test_a_window_that_closed_while_the_worker_was_down_is_not_sent_late(
    personas,
    smtp_server,  # noqa: F811
    time_machine,
):
    mornings = [{"days": [2, 3], "start": "10:00", "end": "10:30"}]
    message = queued(personas, time_windows=mornings)
    # The worker was down from 10:00 until 11:00: the window had closed. The next one opens
    # Thursday 10:00, after the 09:00 appointment: the reminder is not sent, and says why.
    time_machine.move_to(NOW + datetime.timedelta(hours=1), tick=False)
    assert deliver_due() == {"withheld": 1}
    assert smtp_server.received == []
    assert withheld_for(message) == "window_after_event"


def test_a_window_that_closed_while_queued_waits_for_the_next_useful_one(
    personas,
    smtp_server,  # noqa: F811
    time_machine,
):
    windows = [
        {"days": [2], "start": "10:00", "end": "10:30"},
        {"days": [2], "start": "20:00", "end": "21:00"},
    ]
    message = queued(personas, time_windows=windows)
    time_machine.move_to(NOW + datetime.timedelta(hours=1), tick=False)
    assert deliver_due() == {"queued": 1}
    message.refresh_from_db()
    assert message.not_before == NOW.replace(hour=20)
    time_machine.move_to(NOW.replace(hour=20, minute=5), tick=False)
    assert deliver_due() == {"sent": 1}
    assert len(smtp_server.received) == 1


def test_a_cancelled_appointment_is_not_reminded_of(personas, smtp_server):  # noqa: F811
    message = queued(personas)
    task = Activity.objects.get(code="followup-exam")
    careplans.activity_status_set(activity=task, actor=personas.clinician, status="cancelled")
    assert deliver_due() == {"withheld": 1}
    assert smtp_server.received == []
    assert withheld_for(message) == "no_longer_needed"


def test_a_reminder_withheld_at_sending_goes_once_the_preferences_allow_it(
    personas,
    smtp_server,  # noqa: F811
    time_machine,
):
    message = queued(personas)
    ReminderRules.objects.create(clinic=personas.clinic, require_code_word=True)
    assert deliver_due() == {"withheld": 1}
    time_machine.move_to(NOW + datetime.timedelta(minutes=15), tick=False)
    safe_channel(personas, code_word="girasol")
    assert reminders_sweep()["appointment"] == 1
    assert deliver_due() == {"sent": 1}
    (received,) = smtp_server.received
    assert received.body.startswith("Palabra clave: girasol.")
    assert OutboxMessage.objects.filter(audience="patient").exclude(pk=message.pk).count() == 1


def test_staff_see_why_a_queued_reminder_was_not_sent(personas, client_for):
    queued(personas)
    ReminderRules.objects.create(clinic=personas.clinic, require_code_word=True)
    deliver_due()
    page = client_for(personas.clinician).get(
        reverse("messaging:contact_decisions", args=[personas.patient.pk])
    )
    text = page.content.decode()
    assert "Checked again when it was due to go out, and not sent" in text
    assert "Withheld (The clinic requires a code word and none is set.)" in text
