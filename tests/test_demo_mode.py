"""A demo says DEMO on every page and in every title; a real installation never does."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.clients import signed_in


def pages(personas):
    """One page of each layout: staff pages, the tablet, a bare refusal page, a printout."""
    from lantern.encounters import services

    visit = services.encounter_start(
        actor=personas.clinician,
        patient=personas.patient,
        clinic=personas.clinic,
        kind="clinic",
        companion="came_alone",
        interpreter="not_needed",
    )
    clinician = signed_in(personas.clinician)
    return {
        "sign-in": Client().get(reverse("accounts:login")),
        "patient": clinician.get(reverse("patients:detail", args=[personas.patient.pk])),
        "tablet": clinician.get(reverse("screening:kiosk")),
        "refusal": Client(enforce_csrf_checks=True).post(reverse("accounts:login")),
        # Printed in English: the patient (who prefers Spanish) chose it.
        "printout": clinician.post(
            reverse("encounters:summary_print", args=[personas.patient.pk, visit.pk]),
            {"language": "en"},
        ),
    }


def title(response) -> str:
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1)


def test_every_layout_shows_a_demo_banner_and_title_in_demo_mode(personas, settings):
    settings.MODE = "demo"
    for name, response in pages(personas).items():
        page = response.content.decode()
        assert 'class="demo-banner"' in page, name
        assert "Never enter a real patient" in page, name
        assert title(response).startswith("DEMO · "), name


def test_a_real_installation_never_says_demo(personas, settings):
    settings.MODE = "production"
    for name, response in pages(personas).items():
        assert "demo-banner" not in response.content.decode(), name
        assert "DEMO" not in title(response), name


@pytest.mark.parametrize("language", ["es"])
def test_the_demo_banner_speaks_the_page_language(personas, settings, language):
    settings.MODE = "demo"
    client = Client(headers={"accept-language": language})
    page = client.get(reverse("accounts:login")).content.decode()
    assert "demo-banner" in page
    assert "Never enter a real patient" not in page
