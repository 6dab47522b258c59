"""A program manager opens the program reports in a real browser: the charts draw under the
page's content security policy (checked on a screenshot of a chart), the figures read the
same in the table beside it, a bad month is refused with a message, and an export after
step-up arrives with the digest the page showed."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from lantern.audit.models import AuditEvent
from tests.browser.journey import sign_in
from tests.factories import PASSWORD, ClinicFactory, fresh_code
from tests.reports import builders as b

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

FIRST_SERIES = (0x1B, 0x4F, 0x72)  # the chart style's first colour (charts.STYLE)
SECOND_SERIES = (0xB9, 0x77, 0x0E)


def coloured(png: bytes, colour: tuple[int, int, int]) -> int:
    """How many pixels of the screenshot are (nearly) ``colour``."""
    with Image.open(io.BytesIO(png)) as image:
        counts = image.convert("RGB").getcolors(maxcolors=1 << 24) or []
    return sum(
        n for n, rgb in counts if all(abs(a - b) <= 8 for a, b in zip(rgb, colour, strict=True))
    )


@pytest.fixture
def figures(personas):
    northside = ClinicFactory(name="Northside Clinic", health_system=personas.clinic.health_system)
    b.visits(b.patients(20, northside), northside, b.OCTOBER, personas.clinician)
    b.visits(b.patients(12, personas.clinic), personas.clinic, b.OCTOBER, personas.clinician)
    b.visits(b.patients(5, personas.clinic), personas.clinic, b.SEPTEMBER, personas.clinician)
    b.refresh(personas.clinic)


def test_a_program_manager_reads_the_reports_and_exports_them(
    page: Page, axe_check, personas, figures, tmp_path
):
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    sign_in(page, personas.manager.username)
    page.get_by_role("link", name="Open the program reports").click()
    expect(page.get_by_role("heading", name="Program reports", level=1)).to_be_visible()
    page.get_by_label("First month").fill("2026-09")
    page.get_by_label("Last month").fill("2026-10")
    page.get_by_role("button", name="Show figures").click()
    seen = page.get_by_role("region", name="Patients seen", exact=True)
    chart = seen.get_by_role("img", name="Patients seen", exact=True)
    expect(chart).to_be_visible()
    assert chart.evaluate("image => image.complete && image.naturalWidth > 0")
    table = seen.get_by_role("table")
    expect(table.get_by_role("row", name="October 2026")).to_have_text("October 2026201232")
    expect(table.get_by_role("row", name="September 2026")).to_contain_text("withheld")
    axe_check(page, "program-reports")

    # The chart draws its bars in its own colours: its style sheet applies inside the image
    # under the page's policy, and both clinics' bars are there.
    shot = chart.screenshot()
    assert coloured(shot, FIRST_SERIES) > 500
    assert coloured(shot, SECOND_SERIES) > 500

    page.get_by_label("First month").fill("2026-9")
    page.get_by_role("button", name="Show figures").click()
    message = "Enter the month as YYYY-MM, for example 2026-03 (“2026-9” is not a month)."
    expect(page.get_by_text(message, exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=f"First month: {message}")).to_be_visible()
    expect(page.get_by_label("First month")).to_have_value("2026-9")
    axe_check(page, "program-reports-bad-month")

    page.get_by_label("First month").fill("2026-09")
    page.get_by_role("button", name="Show figures").click()
    page.get_by_role("link", name="Export as CSV").click()
    expect(page.get_by_role("heading", name="Confirm it is you")).to_be_visible()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Code").fill(fresh_code(personas.manager))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Export program report", level=1)).to_be_visible()
    shown = page.locator("code.digest").inner_text()
    axe_check(page, "program-report-export")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download").click()
    saved = Path(tmp_path) / "report.csv"
    download_info.value.save_as(saved)
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == shown
    assert AuditEvent.objects.filter(action="export", detail__contains=shown).count() == 1
    assert not refused, refused
