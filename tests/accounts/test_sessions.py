"""Server-side session limits (idle 15 minutes, 12 hours in all) and lockout after failures."""

from __future__ import annotations

import time

import time_machine
from django.test import Client
from django.urls import reverse

from lantern.audit.models import AuditEvent
from tests.clients import signed_in
from tests.factories import PASSWORD


def patient_page(personas):
    return reverse("patients:detail", args=[personas.patient.pk])


def test_fourteen_idle_minutes_keep_the_session(personas):
    with time_machine.travel(time.time(), tick=False) as clock:
        client = signed_in(personas.clinician)
        clock.shift(14 * 60)
        assert client.get(patient_page(personas)).status_code == 200


def test_sixteen_idle_minutes_end_the_session_on_the_server(personas):
    with time_machine.travel(time.time(), tick=False) as clock:
        client = signed_in(personas.clinician)
        clock.shift(16 * 60)
        response = client.get(patient_page(personas))
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))
        assert AuditEvent.objects.filter(action="logout", detail="idle time-out").exists()
        # The old cookie is dead, not merely redirected once.
        assert client.get(patient_page(personas)).status_code == 302


def test_activity_cannot_stretch_a_session_past_twelve_hours(personas):
    with time_machine.travel(time.time(), tick=False) as clock:
        client = signed_in(personas.clinician)
        for _ in range(12 * 6 + 1):  # a request every ten minutes, for just over twelve hours
            clock.shift(10 * 60)
            response = client.get(patient_page(personas))
        assert response.status_code == 302
        assert AuditEvent.objects.filter(
            action="logout", detail="session lifetime reached"
        ).exists()


def test_an_htmx_request_after_the_time_out_is_sent_to_sign_in(personas):
    with time_machine.travel(time.time(), tick=False) as clock:
        client = signed_in(personas.clinician)
        clock.shift(20 * 60)
        response = client.post(
            reverse("patients:search"), {"q": "Rosa"}, headers={"HX-Request": "true"}
        )
        assert response.status_code == 204
        assert response["HX-Redirect"].startswith(reverse("accounts:login"))


def fail(client: Client, username: str) -> int:
    return client.post(
        reverse("accounts:login"), {"username": username, "password": "wrong"}
    ).status_code


def test_five_failures_lock_the_account_at_that_address_even_for_the_right_password(personas):
    client = Client()
    assert [fail(client, "clinician") for _ in range(4)] == [200] * 4
    assert fail(client, "clinician") == 429
    locked = client.post(reverse("accounts:login"), {"username": "clinician", "password": PASSWORD})
    assert locked.status_code == 429
    assert "too many unsuccessful sign-in attempts" in locked.content.decode()
    assert "Wait 30 minutes and try again" in locked.content.decode()
    # Someone guessing from one place cannot keep the clinician out everywhere.
    elsewhere = Client(REMOTE_ADDR="10.1.2.3").post(
        reverse("accounts:login"), {"username": "clinician", "password": PASSWORD}
    )
    assert elsewhere.status_code == 302


def test_the_lockout_page_says_the_wait_the_clinic_configured(personas, settings):
    import datetime

    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=1)
    client = Client()
    for _ in range(5):
        fail(client, "clinician")
    page = client.post(reverse("accounts:login"), {"username": "clinician", "password": "x"})
    assert "Wait 1 minute and try again" in page.content.decode()


def test_unknown_accounts_lock_exactly_like_real_ones(personas):
    real = [fail(Client(REMOTE_ADDR="10.0.0.1"), "clinician") for _ in range(6)]
    made_up = [fail(Client(REMOTE_ADDR="10.0.1.1"), "nobody") for _ in range(6)]
    assert real == made_up == [200, 200, 200, 200, 429, 429]


def test_the_lockout_ends_after_the_cool_off(personas):
    with time_machine.travel(time.time(), tick=False) as clock:
        client = Client()
        for _ in range(5):
            fail(client, "clinician")
        clock.shift(31 * 60)
        response = client.post(
            reverse("accounts:login"), {"username": "clinician", "password": PASSWORD}
        )
        assert response.status_code == 302
