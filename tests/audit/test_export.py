"""The CSV export's two passes produce the same bytes, whatever happens in between."""

from __future__ import annotations

import datetime
import hashlib
import uuid

import pytest

from lantern.audit import export, reports
from lantern.audit.models import Action
from lantern.audit.services import audit_record
from lantern.privacy.scope import report_scope


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (None, ""),
        (7, "7"),
        (uuid.UUID(int=1), "00000000-0000-0000-0000-000000000001"),
        (
            datetime.datetime(
                2026, 3, 1, 7, 0, 0, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=-5))
            ),
            "2026-03-01T12:00:00.000005+00:00",
        ),
        ("3 results", "3 results"),
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
    ],
)
def test_cells_are_plain_text_and_never_formulas(value, cell):
    assert export.csv_cell(value) == cell


def streamed(prepared: export.PreparedExport) -> bytes:
    return b"".join(prepared.chunks())


def test_the_second_pass_repeats_the_first_even_if_the_scope_changes(personas):
    for n in range(5):
        audit_record(action=Action.LOGIN, actor=personas.manager, detail=f"n{n}")
    scope = report_scope(personas.auditor)
    prepared = export.prepare(reports.filtered(scope, reports.ReportFilters(sort="user")))
    # The manager leaves the health system and new entries arrive before the body streams.
    personas.manager.clinics.clear()
    audit_record(action=Action.LOGIN, actor=personas.colleague)
    body = streamed(prepared)
    assert hashlib.sha256(body).hexdigest() == prepared.sha256
    assert len(body) == prepared.size
    assert body.count(b",manager,") == 5


def test_many_batches_keep_the_requested_order(personas, monkeypatch):
    monkeypatch.setattr(export, "FETCH_BATCH", 3)
    monkeypatch.setattr(export, "ROWS_PER_CHUNK", 2)
    for persona in ("manager", "admin", "colleague", "clinician", "manager", "admin"):
        audit_record(action=Action.LOGIN, actor=personas.by_name(persona))
    entries = reports.filtered(report_scope(personas.auditor), reports.ReportFilters(sort="-user"))
    prepared = export.prepare(entries)
    body = streamed(prepared)
    assert hashlib.sha256(body).hexdigest() == prepared.sha256
    users = [line.split(b",")[2] for line in body.splitlines()[1:]]
    assert users == sorted(users, reverse=True)
    assert list(prepared.order) == list(entries.values_list("sequence", flat=True))
