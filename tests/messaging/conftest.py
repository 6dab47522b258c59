from __future__ import annotations

import datetime

import pytest
from django.test import override_settings

from lantern.patients import services
from tests.messaging.servers import SmtpServer, TwilioServer


@pytest.fixture
def smtp_server():  # type: ignore[no-untyped-def]
    with (
        SmtpServer() as server,
        override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=server.port,
            EMAIL_USE_TLS=False,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
            EMAIL_TIMEOUT=5,
        ),
    ):
        yield server


@pytest.fixture
def twilio_server():  # type: ignore[no-untyped-def]
    with (
        TwilioServer() as server,
        override_settings(
            LANTERN_SMS_BACKEND="twilio",
            LANTERN_TWILIO_ACCOUNT_SID=server.state.account_sid,
            LANTERN_TWILIO_AUTH_TOKEN=server.state.auth_token,
            LANTERN_TWILIO_FROM="+15550100",
            LANTERN_TWILIO_API_URL=server.url,
        ),
    ):
        yield server


def safe_channel(personas, kind="email", destination="rosa@example.org", **values):  # type: ignore[no-untyped-def]
    """Confirm the patient's plan today and mark one channel safe."""
    services.contact_plan_update(
        actor=personas.clinician,
        patient=personas.patient,
        do_not_contact=values.pop("do_not_contact", False),
        notes="",
        confirmed_at=values.pop("plan_confirmed", datetime.date.today()),
    )
    fields = {
        "safety": "safe",
        "destination": destination,
        "time_windows": [],
        "voicemail_allowed": False,
        "code_word": "",
        "approved_wording": "",
        "confirmed_at": datetime.date.today(),
    } | values
    return services.contact_channel_update(
        actor=personas.clinician, patient=personas.patient, channel=kind, values=fields
    )
