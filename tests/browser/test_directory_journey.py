"""An advocate finds a service on a tablet, reads it and updates its availability."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from lantern.referrals.demo import demo_directory_load
from tests.browser.journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_finding_a_service_on_a_tablet(page: Page, axe_check, personas):
    assert demo_directory_load(personas.clinic.health_system).ok
    page.set_viewport_size({"width": 820, "height": 1180})  # a tablet held upright
    sign_in(page, personas.colleague.username)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Find a service").click()
    expect(page.get_by_role("heading", name="Find a service", level=1)).to_be_visible()
    assert "traffick" not in page.title().lower()
    axe_check(page, "directory-search")

    finder = page.get_by_role("search")
    finder.get_by_role("checkbox", name="Emergency shelter").check()
    finder.get_by_text("Who the service is for, languages, hours and area").click()
    finder.get_by_label("Age of the person").fill("16")
    finder.get_by_role("checkbox", name="Accepts minors").check()
    with page.expect_response(lambda response: response.request.method == "POST"):
        finder.get_by_role("button", name="Search", exact=True).click()
    results = page.locator("#results")
    expect(results.get_by_role("heading", name="1 service found")).to_be_visible()
    expect(results).to_contain_text("Youth drop-in and overnight beds")
    expect(results).not_to_contain_text("Harborlight emergency beds")  # adults only
    axe_check(page, "directory-results")

    results.get_by_role("link", name="Youth drop-in and overnight beds").click()
    expect(
        page.get_by_role("heading", name="Youth drop-in and overnight beds", level=1)
    ).to_be_visible()
    axe_check(page, "directory-service")
    page.get_by_label("Availability note").fill("One bed left tonight")
    page.get_by_role("button", name="Update availability").click()
    expect(page.get_by_text("Availability updated.")).to_be_visible()
    expect(page.locator("main")).to_contain_text("One bed left tonight")
    expect(page.locator("main")).to_contain_text("Last updated")
    box = page.get_by_role("button", name="Update availability").bounding_box()
    assert box is not None
    assert box["height"] >= 44
    assert page.evaluate("document.documentElement.scrollWidth") <= 820  # no sideways scroll
