"""Error pages are plain, translated, and never show what was sent."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from lantern.audit.models import AuditEvent
from tests.clients import signed_in


def test_a_missing_page_is_neutral_and_translated(personas, client_for):
    client = client_for(personas.clinician)
    page = client.get("/no-such-page/").content.decode()
    assert "Not found" in page
    spanish = client.get("/no-such-page/", headers={"Accept-Language": "es"}).content.decode()
    assert 'lang="es"' in spanish
    assert "No encontrado" in spanish


def test_a_refused_role_sees_that_the_attempt_was_recorded(personas, client_for):
    response = client_for(personas.auditor).get(reverse("patients:search"))
    assert response.status_code == 403
    assert "The attempt has been recorded." in response.content.decode()


def test_a_form_without_its_csrf_token_is_refused_without_echoing_it(personas):
    client = signed_in(personas.clinician, enforce_csrf_checks=True)
    response = client.post(reverse("patients:search"), {"q": "Rosa Delgado"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "Form expired" in page
    assert "Rosa" not in page


def test_a_csrf_refusal_is_audited(personas):
    client = signed_in(personas.clinician, enforce_csrf_checks=True)
    client.post(reverse("patients:search"), {"q": "Rosa"})
    assert AuditEvent.objects.filter(
        actor=personas.clinician,
        outcome="denied",
        detail="request refused: missing or wrong CSRF token",
    ).exists()


def test_an_oversized_request_is_refused_audited_and_changes_nothing(personas, client_for):
    client = client_for(personas.clinician)
    url = reverse("patients:alias_add", args=[personas.patient.pk])
    response = client.post(
        url, {"new-alias-name": "x" * (3 * 1024 * 1024), "new-alias-kind": "street"}
    )
    assert response.status_code == 400
    assert "Request refused" in response.content.decode()
    assert personas.patient.aliases.count() == 1
    assert AuditEvent.objects.filter(
        outcome="denied", detail="request refused: RequestDataTooBig"
    ).exists()


def test_a_forged_session_cookie_opens_nothing(personas, settings):
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = "x" * 32
    response = client.get(reverse("patients:detail", args=[personas.patient.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_a_session_cookie_replayed_after_sign_out_opens_nothing(personas, client_for, settings):
    client = client_for(personas.clinician)
    stolen = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post(reverse("accounts:logout"))
    thief = Client()
    thief.cookies[settings.SESSION_COOKIE_NAME] = stolen
    response = thief.get(reverse("patients:detail", args=[personas.patient.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_a_request_for_a_foreign_host_is_refused_and_audited(db):
    response = Client().get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert AuditEvent.objects.filter(
        outcome="denied", detail="request refused: DisallowedHost"
    ).exists()
