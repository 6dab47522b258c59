"""The second factor: enrolment, verification, recovery codes, reuse, throttling, step-up."""

from __future__ import annotations

import time

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp

from lantern.accounts import mfa
from lantern.accounts.models import Authenticator, RecoveryCode
from lantern.audit.models import AuditEvent
from tests.factories import PASSWORD


def code_for(device: Authenticator) -> str:
    """The code the user's authenticator app shows right now."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def password_step(username: str = "clinician") -> Client:
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_first_sign_in_enrols_an_authenticator_and_shows_recovery_codes_once(personas):
    client = password_step()
    page = client.get(reverse("accounts:two_factor_setup"))
    assert b"<svg" in page.content  # the QR code is drawn on the server
    device = Authenticator.objects.get(user=personas.clinician, confirmed=False)
    response = client.post(reverse("accounts:two_factor_setup"), {"otp_token": code_for(device)})
    assert response.status_code == 302
    codes_page = client.get(response.url).content.decode()
    codes = RecoveryCode.objects.filter(device__user=personas.clinician).values_list(
        "code", flat=True
    )
    assert len(codes) == 10
    for code in codes:
        assert code in codes_page
    again = client.get(reverse("accounts:recovery_codes")).content.decode()
    assert not any(code in again for code in codes)
    assert client.get(reverse("patients:detail", args=[personas.patient.pk])).status_code == 200


def test_a_wrong_enrolment_code_keeps_the_user_out(personas):
    client = password_step()
    client.get(reverse("accounts:two_factor_setup"))
    response = client.post(reverse("accounts:two_factor_setup"), {"otp_token": "000000"})
    assert "That code was not right" in response.content.decode()
    assert not Authenticator.objects.filter(user=personas.clinician, confirmed=True).exists()
    assert client.get(reverse("patients:search")).status_code == 302


@pytest.fixture
def enrolled(personas):
    device = Authenticator.objects.create(user=personas.clinician, confirmed=True, name="phone")
    codes = mfa.recovery_codes_replace(personas.clinician)
    return device, codes


def test_a_correct_code_opens_patient_data_and_rotates_the_session(personas, enrolled):
    device, _ = enrolled
    client = password_step()
    before = client.session.session_key
    response = client.post(reverse("accounts:two_factor"), {"otp_token": code_for(device)})
    assert response.status_code == 302
    assert client.session.session_key != before
    assert client.get(reverse("patients:detail", args=[personas.patient.pk])).status_code == 200
    assert AuditEvent.objects.filter(action="login", detail="second factor verified").exists()


def test_a_code_cannot_be_used_twice(personas, enrolled):
    device, _ = enrolled
    code = code_for(device)
    first = password_step()
    assert first.post(reverse("accounts:two_factor"), {"otp_token": code}).status_code == 302
    second = password_step()
    replay = second.post(reverse("accounts:two_factor"), {"otp_token": code})
    assert replay.status_code == 200
    assert second.get(reverse("patients:search")).status_code == 302
    assert AuditEvent.objects.filter(
        action="login_failed", detail="wrong second factor code"
    ).exists()


def test_a_recovery_code_works_once(personas, enrolled):
    _, codes = enrolled
    client = password_step()
    assert (
        client.post(reverse("accounts:two_factor"), {"otp_token": codes[0].lower()}).status_code
        == 302
    )
    other = password_step()
    assert other.post(reverse("accounts:two_factor"), {"otp_token": codes[0]}).status_code == 200


def test_wrong_codes_are_slowed_down(personas, enrolled):
    device, _ = enrolled
    client = password_step()
    with time_machine.travel(time.time(), tick=False):
        _slowed_down(client, device)


def _slowed_down(client, device):
    client.post(reverse("accounts:two_factor"), {"otp_token": "000000"})
    response = client.post(reverse("accounts:two_factor"), {"otp_token": "000001"})
    assert "Too many wrong codes" in response.content.decode()
    # Even the right code waits until the delay is over.
    response = client.post(reverse("accounts:two_factor"), {"otp_token": code_for(device)})
    assert response.status_code == 200


def test_step_up_needs_password_and_a_fresh_code(personas, enrolled, client_for):
    device, _ = enrolled
    client = client_for(personas.clinician)
    url = reverse("accounts:confirm") + "?next=/patients/"
    wrong = client.post(url, {"password": "nope", "otp_token": code_for(device)})
    assert "was not right" in wrong.content.decode()
    right = client.post(url, {"password": PASSWORD, "otp_token": code_for(device)})
    assert right.status_code == 302
    assert right.url == "/patients/"


def test_step_up_refuses_a_redirect_to_another_site(personas, enrolled, client_for):
    device, _ = enrolled
    client = client_for(personas.clinician)
    response = client.post(
        reverse("accounts:confirm"),
        {"password": PASSWORD, "otp_token": code_for(device), "next": "https://evil.example/"},
    )
    assert response.url == reverse("home")


def test_an_administrator_reset_makes_the_user_enrol_again(personas, enrolled):
    mfa.second_factor_reset(actor=personas.admin, user=personas.clinician)
    assert not mfa.has_second_factor(personas.clinician)
    client = password_step()
    response = client.get(reverse("accounts:two_factor"))
    assert response.url.startswith(reverse("accounts:two_factor_setup"))


def test_the_demo_totp_command_refuses_outside_demo_mode(db):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="LANTERN_MODE=demo"):
        call_command("totp", "clinician")


def test_a_second_factor_reset_ends_open_sessions(personas, enrolled, client_for):
    victim = client_for(personas.clinician)
    assert victim.get(reverse("patients:search")).status_code == 200
    mfa.second_factor_reset(actor=personas.admin, user=personas.clinician)
    response = victim.get(reverse("accounts:two_factor_setup"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    assert not Authenticator.objects.filter(user=personas.clinician).exists()


def test_enrolment_needs_a_recent_password(personas):
    with time_machine.travel(time.time(), tick=False) as clock:
        client = password_step()
        clock.shift(11 * 60)
        response = client.get(reverse("accounts:two_factor_setup"))
        assert response.url.startswith(reverse("accounts:login"))


def test_new_recovery_codes_need_a_step_up(personas, enrolled, client_for):
    response = client_for(personas.clinician).post(reverse("accounts:recovery_codes_replace"))
    assert response.url.startswith(reverse("accounts:confirm"))
