"""Security headers on every page: no inline script, no caching, no framing."""

from __future__ import annotations

from django.urls import reverse


def test_pages_carry_a_strict_content_security_policy(personas, client_for):
    response = client_for(personas.clinician).get(
        reverse("patients:detail", args=[personas.patient.pk])
    )
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert "<script>" not in response.content.decode()  # no inline script to allow


def test_no_page_contains_inline_script_or_style(personas, client_for):
    client = client_for(personas.clinician)
    for url in (
        reverse("patients:search"),
        reverse("patients:register"),
        reverse("patients:detail", args=[personas.patient.pk]),
        reverse("patients:contact_channel", args=[personas.patient.pk, "sms"]),
    ):
        page = client.get(url).content.decode()
        for forbidden in ("<script>", " style=", "<style", "onclick=", "javascript:"):
            assert forbidden not in page, f"{url} contains {forbidden}"


def test_the_sign_in_page_cannot_be_framed_or_cached(db, client):
    response = client.get(reverse("accounts:login"))
    assert response["X-Frame-Options"] == "DENY"
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
