"""A privacy officer reviews the audit trail in a real browser: report, filters, one patient's
access history, and a CSV download whose digest the trail itself recorded."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from lantern.audit.models import AuditEvent
from tests.browser.journey import sign_in
from tests.factories import PASSWORD, fresh_code

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_a_privacy_officer_reviews_who_opened_a_record(page: Page, axe_check, personas, tmp_path):
    sign_in(page, personas.auditor.username)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit report").click()
    expect(page.get_by_role("heading", name="Audit report", level=1)).to_be_visible()
    assert page.title().startswith("Audit report")
    axe_check(page, "audit-report")

    page.get_by_label("User name").fill("clinician")
    page.get_by_label("Sort by").select_option(label="Oldest first")
    page.get_by_role("button", name="Show entries").click()
    table = page.get_by_role("table")
    expect(table).to_contain_text("clinician")
    expect(table).not_to_contain_text("auditor")
    expect(page.locator("main")).not_to_contain_text("Rosa")

    table.get_by_role("link", name=str(personas.patient.pk)).first.click()
    expect(
        page.get_by_role("heading", name="Record access history: Rosa Delgado", level=1)
    ).to_be_visible()
    assert "Rosa" not in page.title()
    axe_check(page, "record-access-history")

    page.get_by_role("link", name="Filter the audit report by this patient").click()
    # Exports need the password and a code again (step-up), then the file downloads.
    page.get_by_role("link", name="Download as CSV").click()
    expect(page.get_by_role("heading", name="Confirm it is you")).to_be_visible()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Code").fill(fresh_code(personas.auditor))
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Confirm").click()
    saved = Path(tmp_path) / "export.csv"
    download_info.value.save_as(saved)
    digest = hashlib.sha256(saved.read_bytes()).hexdigest()
    recorded = AuditEvent.objects.filter(action="export", actor=personas.auditor).get()
    assert digest in recorded.detail
    assert recorded.patient_id == personas.patient.pk
    assert re.search(rb"^sequence,time_utc,user,patient_id", saved.read_bytes())
