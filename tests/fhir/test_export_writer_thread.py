"""A Bulk export's writer thread only renders, encodes and seals: it never reads the
database, and when it fails the export fails with nothing left behind."""

from __future__ import annotations

import threading

import pytest
from django.db.backends import utils as db_utils

from lantern.audit.models import Action, AuditEvent
from lantern.fhir import bulk
from lantern.fhir.models import BulkExportFile
from lantern.fhir.resources import REGISTRY
from lantern.fhir.scopes import Grant
from tests.fhir.test_careplans_referrals import plan, referral  # noqa: F401 (fixtures)
from tests.fhir.test_export_bytes import ALL_SCOPES, data_set, exported  # noqa: F401


def every_type() -> list[str]:
    return [name for name in REGISTRY if Grant.of(ALL_SCOPES).allows(name, "r")]


def test_the_writer_thread_asks_nothing_of_the_database(data_set, fhir, monkeypatch):  # noqa: F811
    monkeypatch.setattr(bulk, "PATIENT_BATCH", 2)
    asked_from: list[str] = []
    execute = db_utils.CursorWrapper.execute

    def noting(self, *args, **kwargs):
        asked_from.append(threading.current_thread().name)
        return execute(self, *args, **kwargs)

    monkeypatch.setattr(db_utils.CursorWrapper, "execute", noting)
    export = exported(fhir, ALL_SCOPES, every_type(), None)
    assert bulk.run_export.call(str(export.pk)) == "completed"
    assert asked_from  # the reading thread's queries are seen
    assert not [name for name in asked_from if name.startswith("fhir-export")]


def test_a_failure_on_the_writer_fails_the_export_and_leaves_no_file(
    data_set,  # noqa: F811
    fhir,
    monkeypatch,
):
    monkeypatch.setattr(bulk, "PATIENT_BATCH", 2)
    patient_type = type(REGISTRY["Patient"])
    render = patient_type.render
    rendered: list[object] = []

    def failing(self, row, access):
        rendered.append(row["pk"])
        if len(rendered) == 3:  # the first patient of the second page
            raise RuntimeError("the writer failed")
        return render(self, row, access)

    monkeypatch.setattr(patient_type, "render", failing)
    export = exported(fhir, ALL_SCOPES, every_type(), None)
    with pytest.raises(RuntimeError, match="the writer failed"):
        bulk.run_export.call(str(export.pk))
    export.refresh_from_db()
    assert export.status == "failed"
    assert not bulk.export_dir(export).exists()
    assert not BulkExportFile.objects.filter(export=export).exists()
    exported_for = set(
        AuditEvent.objects.filter(action=Action.EXPORT, object_id=str(export.pk))
        .exclude(patient_id=None)
        .values_list("patient_id", flat=True)
    )
    assert exported_for <= set(rendered[:2])  # none for a patient not written


def cancelled_while_writing(export, *, then: str):
    """An ``export_write`` during which the client cancels (DELETE): the cancel marks the
    export and removes its folder; the write then fails on the missing folder, or ends."""

    def write(_export):
        bulk.BulkExport.objects.filter(pk=export.pk).update(status="cancelled")
        bulk.export_files_remove(export)
        if then == "fails":
            raise FileNotFoundError("the export's folder is gone")
        return True

    return write


@pytest.mark.parametrize("then", ["fails", "ends"])
def test_an_export_cancelled_while_its_files_are_written_stays_cancelled(
    data_set,  # noqa: F811
    fhir,
    monkeypatch,
    then,
):
    export = exported(fhir, ALL_SCOPES, ["Patient"], None)
    monkeypatch.setattr(bulk, "export_write", cancelled_while_writing(export, then=then))
    assert bulk.run_export.call(str(export.pk)) == "cancelled"
    export.refresh_from_db()
    assert export.status == "cancelled"
    assert not BulkExportFile.objects.filter(export=export).exists()
    assert not bulk.export_dir(export).exists()
