"""The outbox delivers through real servers on 127.0.0.1: SMTP and a Twilio-like API."""

from __future__ import annotations

import datetime
import json
import os
import stat

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from lantern.audit.models import AuditEvent
from lantern.messaging.channels.sms import TwilioBackend
from lantern.messaging.delivery import deliver_due
from lantern.messaging.models import ContactDecision, OutboxMessage, State
from lantern.messaging.services import message_enqueue, patient_channel_ref, staff_ref
from lantern.patients import services
from tests.messaging.conftest import safe_channel

pytestmark = pytest.mark.django_db
TEXT = "Reminder: you have an appointment on Friday 4 December at 10:30."


def queue(personas, channel, key="appointment:1:24h", **extra):  # type: ignore[no-untyped-def]
    return message_enqueue(
        key=key,
        channel=channel.channel,
        audience="patient",
        recipient_ref=patient_channel_ref(channel),
        body=TEXT,
        subject="Reminder",
        patient=personas.patient,
        **extra,
    )


def test_a_patient_email_goes_out_over_smtp_once(personas, smtp_server):
    channel = safe_channel(personas)
    message = queue(personas, channel)
    assert queue(personas, channel).pk == message.pk  # the same key queues nothing new
    assert deliver_due() == {"sent": 1}
    assert deliver_due() == {}
    (received,) = smtp_server.received
    assert received.recipients == ["rosa@example.org"]
    assert received.message["Subject"] == "Reminder"
    assert received.body.strip() == TEXT
    message.refresh_from_db()
    assert message.state == State.SENT
    assert received.message["Message-ID"] == message.provider_id
    assert OutboxMessage.objects.count() == 1


def test_the_text_is_sealed_in_the_database(personas):
    queue(personas, safe_channel(personas))
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM messaging_outboxmessage")
        (raw,) = cursor.fetchone()
    assert "appointment" not in raw


def test_a_refused_address_fails_for_good_and_the_error_names_no_address(personas, smtp_server):
    smtp_server.handler.refuse.add("rosa@example.org")
    message = queue(personas, safe_channel(personas))
    assert deliver_due() == {"failed": 1}
    message.refresh_from_db()
    assert message.state == State.FAILED
    assert message.last_error == "SMTPRecipientsRefused 550"
    assert "rosa" not in message.last_error


def test_an_unreachable_server_is_retried_with_growing_waits(personas, smtp_server):
    message = queue(personas, safe_channel(personas))
    with override_settings(EMAIL_PORT=1):  # nothing listens there
        assert deliver_due() == {"queued": 1}
    message.refresh_from_db()
    assert (message.state, message.attempts) == (State.QUEUED, 1)
    first_wait = message.not_before - timezone.now()
    assert datetime.timedelta(seconds=55) < first_wait <= datetime.timedelta(seconds=60)
    assert deliver_due() == {}  # not yet due
    with time_machine.travel(message.not_before + datetime.timedelta(seconds=1)):
        with override_settings(EMAIL_PORT=1):
            deliver_due()
        message.refresh_from_db()
        assert message.not_before - timezone.now() > datetime.timedelta(seconds=115)
    with time_machine.travel(message.not_before + datetime.timedelta(seconds=1)):
        assert deliver_due() == {"sent": 1}
    assert len(smtp_server.received) == 1


@override_settings(LANTERN_MESSAGING_MAX_ATTEMPTS=2)
def test_after_the_last_attempt_a_message_fails(personas):
    message = queue(personas, safe_channel(personas))
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_PORT=1
    ):
        deliver_due()
        with time_machine.travel(timezone.now() + datetime.timedelta(minutes=5)):
            deliver_due()
    message.refresh_from_db()
    assert (message.state, message.attempts) == (State.FAILED, 2)


def test_do_not_contact_set_after_queueing_stops_the_message(personas, smtp_server):
    channel = safe_channel(personas)
    message = queue(personas, channel)
    services.contact_plan_update(
        actor=personas.clinician,
        patient=personas.patient,
        do_not_contact=True,
        notes="",
        confirmed_at=datetime.date.today(),
    )
    assert deliver_due() == {"withheld": 1}
    assert smtp_server.received == []
    message.refresh_from_db()
    assert (message.state, message.last_error) == (State.WITHHELD, "do_not_contact")
    decision = ContactDecision.objects.get(patient=personas.patient)
    assert (decision.outcome, decision.reason) == ("withhold", "changed_before_sending")


def test_a_channel_no_longer_safe_stops_the_message(personas, smtp_server):
    channel = safe_channel(personas)
    queue(personas, channel)
    safe_channel(personas, safety="unsafe")
    assert deliver_due() == {"withheld": 1}
    assert smtp_server.received == []


def test_a_closed_window_waits_for_the_next_one(personas, smtp_server):
    local = timezone.localtime()
    opens = (local + datetime.timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    window = {
        "days": [opens.weekday()],
        "start": opens.strftime("%H:%M"),
        "end": (opens + datetime.timedelta(minutes=59)).strftime("%H:%M"),
    }
    message = queue(personas, safe_channel(personas, time_windows=[window]))
    assert deliver_due() == {"queued": 1}
    message.refresh_from_db()
    assert (message.not_before, message.attempts) == (opens, 0)
    with time_machine.travel(opens + datetime.timedelta(minutes=1)):
        assert deliver_due() == {"sent": 1}
    assert len(smtp_server.received) == 1


def test_staff_email_goes_to_the_staff_address(personas, smtp_server):
    message_enqueue(
        key="staff:1",
        channel="email",
        audience="staff",
        recipient_ref=staff_ref(personas.clinician),
        body="A follow-up is overdue.",
        subject="Follow-up overdue",
    )
    assert deliver_due() == {"sent": 1}
    (received,) = smtp_server.received
    assert received.recipients == [personas.clinician.email]


def test_the_file_backend_writes_a_private_file(personas, tmp_path):
    path = tmp_path / "sms" / "outbox.jsonl"
    with override_settings(LANTERN_SMS_FILE=str(path)):
        queue(personas, safe_channel(personas, kind="sms", destination="+15550123"))
        assert deliver_due() == {"sent": 1}
    (line,) = path.read_text().splitlines()
    assert json.loads(line) | {"at": ""} == {
        "at": "",
        "to": "+15550123",
        "body": TEXT,
        "key": "appointment:1:24h",
    }
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_twilio_receives_the_message_and_its_sid_is_kept(personas, twilio_server):
    message = queue(personas, safe_channel(personas, kind="sms", destination="+15550123"))
    assert deliver_due() == {"sent": 1}
    assert twilio_server.state.messages == [{"To": "+15550123", "From": "+15550100", "Body": TEXT}]
    message.refresh_from_db()
    assert message.provider_id == "SM" + "0" * 32


def test_twilio_unavailable_is_retried(personas, twilio_server):
    twilio_server.state.failures = [503]
    message = queue(personas, safe_channel(personas, kind="sms", destination="+15550123"))
    assert deliver_due() == {"queued": 1}
    message.refresh_from_db()
    assert message.last_error == "Twilio HTTP 503 20500"
    with time_machine.travel(message.not_before + datetime.timedelta(seconds=1)):
        assert deliver_due() == {"sent": 1}
    assert len(twilio_server.state.messages) == 1


@pytest.mark.parametrize(
    ("destination", "token", "error"),
    [
        ("5550123", "secret-token", "Twilio HTTP 400 21211"),
        ("+15550123", "wrong", "Twilio HTTP 401 20003"),
    ],
)
def test_twilio_refusals_fail_for_good(personas, twilio_server, destination, token, error):
    message = queue(personas, safe_channel(personas, kind="sms", destination=destination))
    with override_settings(LANTERN_TWILIO_AUTH_TOKEN=token):
        assert deliver_due() == {"failed": 1}
    message.refresh_from_db()
    assert message.last_error == error
    assert twilio_server.state.messages == []


def test_sending_is_audited_without_the_text(personas, smtp_server):
    queue(personas, safe_channel(personas))
    deliver_due()
    entry = AuditEvent.objects.filter(object_type="messaging.outboxmessage").get()
    assert entry.detail == "email message sent"
    assert entry.patient_id == personas.patient.pk


@pytest.mark.parametrize("url", ["http://api.twilio.com", "file:///etc/passwd", "ftp://x"])
def test_the_twilio_adapter_talks_only_https(url):
    with pytest.raises(ImproperlyConfigured, match="LANTERN_TWILIO_API_URL"):
        TwilioBackend(account_sid="AC1", auth_token="t", sender="+1555", api_url=url)
