"""Error pages are plain, translated, and never show what was sent."""

from __future__ import annotations

from django.urls import reverse

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
