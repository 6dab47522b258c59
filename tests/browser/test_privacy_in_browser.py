"""What a browser keeps or shows: records refused to outsiders, no caching, neutral titles."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from playwright.sync_api import Page, Response, expect

from tests.browser.journey import choose_language, search, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

# Titles show in tabs, history and the task bar: they must never say what care this is.
REVEALING_TITLE = re.compile(r"traffick|\btrata\b", re.IGNORECASE)


def test_outsider_typing_a_patient_address_gets_not_found(page: Page, axe_check, personas):
    patient = personas.patient
    sign_in(page, personas.outsider.username)

    for address in (
        f"/patients/{patient.pk}/",
        f"/patients/{patient.pk}/edit/",
        f"/patients/{patient.pk}/contact/sms/",
    ):
        response = page.goto(address)
        assert response is not None
        assert response.status == 404, address
        expect(
            page.get_by_role("heading", name=re.compile("not found", re.IGNORECASE))
        ).to_be_visible()
        for name in ("Rosa Delgado", "Sunny", "RV-1001"):
            expect(page.locator("body")).not_to_contain_text(name)
            assert name not in page.title()
        assert "no-store" in response.headers.get("cache-control", "")
    axe_check(page, "not-found")

    # Searching by name does not reveal the record either.
    page.goto("/patients/")
    search(page, "Rosa Delgado")
    expect(page.get_by_text("No patient on your care teams matches this search.")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Sunny")


def test_pages_are_never_cached_and_titles_stay_neutral(page: Page, personas, live_server):
    patient = personas.patient
    responses: list[Response] = []

    def keep_page_responses(response: Response) -> None:
        # Pages, redirects and htmx partials; static files are WhiteNoise's business.
        if response.request.resource_type in {"document", "fetch", "xhr"} and (
            response.url.startswith(live_server.url)
        ):
            responses.append(response)

    page.on("response", keep_page_responses)
    titles: list[str] = []

    def seen() -> None:
        titles.append(page.title())

    page.goto("/")
    seen()
    sign_in(page, personas.clinician.username)
    seen()
    search(page, "Sunny")
    page.get_by_role("table").get_by_role("link", name="Rosa Delgado").click()
    expect(page.get_by_role("heading", name="Rosa Delgado", level=1)).to_be_visible()
    seen()
    for link in ("Edit details", "Edit contact plan", "Edit Text message"):
        page.get_by_role("link", name=link).click()
        expect(page.get_by_role("link", name="Back to the patient")).to_be_visible()
        seen()
        page.go_back()
        expect(page.get_by_role("heading", name="Rosa Delgado", level=1)).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Register a patient"
    ).click()
    seen()

    # The same pages in Spanish, where "trata" would be the revealing word.
    choose_language(page, "Español")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    seen()
    page.goto(f"/patients/{patient.pk}/")
    seen()
    page.goto("/patients/")
    seen()
    page.get_by_role("button", name="Cerrar sesión").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    seen()

    kinds = {response.request.resource_type for response in responses}
    assert {"document", "fetch"} <= kinds or {"document", "xhr"} <= kinds, kinds
    assert any(response.status == 302 for response in responses)
    cached = [
        f"{response.status} {response.url}: {response.headers.get('cache-control')!r}"
        for response in responses
        if "no-store" not in response.headers.get("cache-control", "")
    ]
    assert not cached, "Responses a browser may cache:\n" + "\n".join(cached)

    assert len(titles) >= 10
    for title in titles:
        assert not REVEALING_TITLE.search(title), title
        for name in ("Rosa", "Delgado", "Sunny"):
            assert name not in title, title
        assert title.endswith(settings.LANTERN_APP_NAME), title
