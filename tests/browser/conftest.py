"""Real-browser fixtures: one headless Chromium per test run, a fresh context per test.

Playwright's sync API keeps an asyncio loop running in the test thread, so Django would
refuse the tests' ORM calls ("SynchronousOnlyOperation") although no Django code runs inside
that loop; the guard is switched off for that reason only.

Every page an accessibility check looks at is also saved as a full-page screenshot under
``artifacts/screenshots/`` (git-ignored) for CI to keep; a failing test leaves a screenshot of
the page it failed on beside them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from pytest_django.live_server_helper import LiveServer

from lantern.accounts.models import Clinic, Role, User
from tests.factories import ClinicFactory, UserFactory

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("LANTERN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    # Offline machines: stop Chromium from trying to reach Google's services.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

expect.set_options(timeout=10_000)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def context(browser: Browser, live_server: LiveServer) -> Iterator[BrowserContext]:
    context = browser.new_context(locale="en-US", base_url=live_server.url)
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(context: BrowserContext, request: pytest.FixtureRequest) -> Iterator[Page]:
    page = context.new_page()
    script_errors: list[str] = []
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    yield page
    call = getattr(request.node, "report_call", None)
    if call is not None and call.failed and not page.is_closed():
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(
            path=SCREENSHOTS / f"{_slug(request.node.name)}-failure.png", full_page=True
        )
    assert not script_errors, f"JavaScript errors on the page: {script_errors}"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")


def _describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append("    at " + " ".join(str(part) for part in node["target"]))
            if node.get("failureSummary"):
                summary = " ".join(node["failureSummary"].split())
                lines.append(f"       {summary[:300]}")
    return "\n".join(lines)


@pytest.fixture
def axe_check(request: pytest.FixtureRequest) -> Callable[[Page, str], None]:
    """``axe_check(page, label)``: screenshot the page, then fail on any WCAG 2.1 A/AA
    violation, or on content outside every landmark (axe's ``region`` rule)."""
    axe = Axe()

    def check(page: Page, label: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = f"{_slug(request.node.name)}-{_slug(label)}.png"
        page.screenshot(path=SCREENSHOTS / name, full_page=True)
        results = axe.run(
            page,
            options={
                "runOnly": {"type": "tag", "values": WCAG_TAGS},
                # Also: all content inside landmarks (axe best practice), so that no control,
                # such as the tablet's quick exit, sits outside every region.
                "rules": {"region": {"enabled": True}},
                "resultTypes": ["violations"],
            },
        )
        violations = results.response["violations"]
        if violations:
            pytest.fail(
                f"Accessibility violations on the {label!r} page ({page.url}):\n"
                + _describe(violations),
                pytrace=False,
            )

    return check


@pytest.fixture
def clinic(transactional_db: None) -> Clinic:
    return ClinicFactory(name="Riverside Clinic")


@pytest.fixture
def clinician(clinic: Clinic) -> User:
    return UserFactory(
        username="dr.rivera",
        display_name="Dr. Rivera",
        role=Role.CLINICIAN,
        clinics=[clinic],
    )
