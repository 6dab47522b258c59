"""An administrator cannot take a clinician's account over: resetting the second factor needs
the administrator's step-up, tells the clinician and the privacy officer, and whoever signs in
next must choose a new password; so must a new account's holder, whose first password the
administrator chose."""

from __future__ import annotations

from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP

from lantern.accounts import mfa
from lantern.accounts.models import Notification, User
from lantern.audit.models import AuditEvent
from tests.clients import signed_in, stepped_up
from tests.factories import PASSWORD, authenticator

RESET = "accounts:staff_reset_second_factor"
NEW_PASSWORD = "only the clinician knows this 9"


def reset_url(personas) -> str:
    return reverse(RESET, args=[personas.clinician.pk])


def change_password(client: Client, old: str, new: str = NEW_PASSWORD, url: str = ""):  # type: ignore[no-untyped-def]
    return client.post(
        url or reverse("accounts:password_change"),
        {"old_password": old, "new_password1": new, "new_password2": new},
    )


def test_a_reset_needs_the_administrators_step_up(personas):
    authenticator(personas.clinician)
    admin = signed_in(personas.admin)
    edit_page = reverse("accounts:staff_edit", args=[personas.clinician.pk])
    response = admin.post(reset_url(personas), headers={"referer": edit_page})
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:confirm"))
    assert mfa.has_second_factor(personas.clinician)
    assert not AuditEvent.objects.filter(detail__startswith="second factor reset").exists()


def test_a_reset_alerts_the_clinician_and_the_privacy_officer(personas):
    authenticator(personas.clinician)
    response = stepped_up(personas.admin).post(reset_url(personas))
    assert response.status_code == 302
    assert not mfa.has_second_factor(personas.clinician)
    to_clinician = Notification.objects.get(recipient=personas.clinician)
    assert to_clinician.subject == "Your second factor was reset"
    assert personas.admin.display_name in to_clinician.body
    to_officer = Notification.objects.get(recipient=personas.auditor)
    assert personas.clinician.username in to_officer.body
    assert not Notification.objects.filter(recipient=personas.outsider).exists()
    assert sorted(address for message in mail.outbox for address in message.to) == sorted(
        [personas.clinician.email, personas.auditor.email]
    )


def test_after_a_reset_the_next_sign_in_must_choose_a_new_password(personas):
    stepped_up(personas.admin).post(reset_url(personas))
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": "clinician", "password": PASSWORD}
    )
    assert response.status_code == 302
    # Whoever knows the password enrols a new authenticator...
    client.get(reverse("accounts:two_factor_setup"))
    device = mfa.enrolment_device(personas.clinician)
    code = TOTP(device.bin_key, device.step, device.t0, device.digits).token()
    client.post(reverse("accounts:two_factor_setup"), {"otp_token": f"{code:06d}"})
    assert mfa.has_second_factor(personas.clinician)
    # ...and still reaches no page until the password is one only they know.
    search = client.get(reverse("patients:search"))
    assert search.status_code == 302
    assert search.url.startswith(reverse("accounts:password_change"))
    page = client.get(search.url).content.decode()
    assert "Choose a new password that only you know" in page
    same = change_password(client, PASSWORD, PASSWORD)
    assert "different from the current one" in same.content.decode()
    changed = change_password(client, PASSWORD, url=search.url)
    assert changed.status_code == 302
    assert changed.url == reverse("patients:search")
    assert client.get(reverse("patients:search")).status_code == 200
    personas.clinician.refresh_from_db()
    assert not personas.clinician.must_change_password


def test_a_new_account_chooses_its_own_password_at_first_sign_in(personas):
    stepped_up(personas.admin).post(
        reverse("accounts:staff_new"),
        {
            "username": "nurse.ana",
            "display_name": "Ana Torres",
            "email": "ana.torres@clinic.example",
            "role": "clinician",
            "clinician_type": "nurse",
            "clinics": [personas.clinic.pk],
            "is_active": "on",
            "password": "a long first password 42",
        },
    )
    ana = User.objects.get(username="nurse.ana")
    assert ana.must_change_password
    client = signed_in(ana)
    home = client.get(reverse("home"))
    assert home.status_code == 302
    assert home.url.startswith(reverse("accounts:password_change"))
    assert client.get(reverse("accounts:password_change")).status_code == 200
    assert change_password(client, "a long first password 42").status_code == 302
    assert client.get(reverse("patients:search")).status_code == 200


def test_staff_whose_password_is_their_own_are_not_asked_to_change_it(personas, client_for):
    assert client_for(personas.clinician).get(reverse("patients:search")).status_code == 200
