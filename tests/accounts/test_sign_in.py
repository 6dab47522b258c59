"""Signing in and out: one answer for every failure, and an audit entry for each attempt."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from lantern.audit.models import AuditEvent
from tests.factories import PASSWORD

URL = reverse("accounts:login")


def sign_in(username: str, password: str) -> tuple[Client, object]:
    client = Client()
    return client, client.post(URL, {"username": username, "password": password})


def test_the_password_leads_to_the_second_factor_not_to_patients(personas):
    client, response = sign_in("clinician", PASSWORD)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:two_factor_setup")) or response.url.startswith(
        reverse("accounts:two_factor")
    )
    entry = AuditEvent.objects.get(action="login")
    assert entry.actor == personas.clinician
    assert entry.source_address == "127.0.0.1"
    blocked = client.get(reverse("patients:detail", args=[personas.patient.pk]))
    assert blocked.status_code == 302
    assert blocked.url.startswith(reverse("accounts:two_factor"))


def test_an_unknown_user_and_a_wrong_password_get_the_same_answer(personas):
    _, unknown = sign_in("nobody-here", PASSWORD)
    _, wrong = sign_in("clinician", "not the password")
    assert unknown.status_code == wrong.status_code == 200
    assert unknown.context["form"].errors == wrong.context["form"].errors
    assert "did not match" in unknown.content.decode()


def test_failed_sign_ins_are_audited_without_storing_what_was_typed(personas):
    sign_in("clinician", "not the password")
    sign_in("my secret password typed as a username", "x")
    failures = AuditEvent.objects.filter(action="login_failed", outcome="failed")
    assert failures.count() == 2
    assert failures.filter(actor=personas.clinician).exists()
    assert "secret" not in str(list(AuditEvent.objects.values_list()))


def test_a_deactivated_account_cannot_sign_in(personas):
    personas.clinician.is_active = False
    personas.clinician.save()
    _, response = sign_in("clinician", PASSWORD)
    assert "did not match" in response.content.decode()


def test_the_sign_in_page_title_is_neutral(db):
    page = Client().get(URL).content.decode()
    title = page.split("<title>")[1].split("</title>")[0].lower()
    assert title.startswith("sign in")
    for word in ("traffick", "trata", "abuse", "assault", "violence"):
        assert word not in page.lower()


def test_a_sign_in_redirect_to_another_site_is_ignored(personas):
    client = Client()
    response = client.post(
        URL + "?next=https://evil.example/",
        {"username": "clinician", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert "evil.example" not in response.url


def test_staff_without_patient_access_see_their_role_and_clinics(personas, client_for):
    page = client_for(personas.manager).get(reverse("home")).content.decode()
    assert "Program manager" in page
    assert "Riverside Clinic" in page
    assert "Rosa" not in page


def test_the_app_name_is_configurable(personas, client_for, settings):
    settings.LANTERN_APP_NAME = "Clinic Portal"
    page = client_for(personas.manager).get(reverse("home")).content.decode()
    assert "· Clinic Portal</title>" in page
