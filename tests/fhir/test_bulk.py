"""Bulk Data $export: kick-off, polling, the manifest, sealed NDJSON files, expiry, cancel."""

from __future__ import annotations

import datetime
import json
import os
import stat
from urllib.parse import urlsplit

import pytest
import time_machine
from django.utils import timezone

from lantern.audit.models import AuditEvent
from lantern.fhir import bulk
from lantern.fhir.models import BulkExport, ExportStatus
from tests.factories import make_patient
from tests.fhir.conftest import share_with_ehr
from tests.fhir.validation import validate_resource


def path(url):
    return urlsplit(url)._replace(scheme="", netloc="").geturl()


def completed(fhir, token, response):
    assert response.status_code == 202, response.content
    status = fhir.get(path(response["Content-Location"]), token)
    assert status.status_code == 200, status.content
    return status.json()


def lines(fhir, token, output):
    response = fhir.get(path(output["url"]), token)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+ndjson"
    text = b"".join(response.streaming_content).decode()
    return [json.loads(line) for line in text.splitlines()]


def test_system_export_writes_valid_ndjson_per_type(fhir, chart, personas, kick):
    token = fhir.token()
    manifest = completed(fhir, token, kick(fhir, token=token))
    assert manifest["requiresAccessToken"] is True
    by_type = {item["type"]: item for item in manifest["output"]}
    assert {"Patient", "Observation", "Questionnaire", "Condition"} <= set(by_type)
    for item in manifest["output"]:
        assert item["url"].endswith(f"/{item['type']}-1.ndjson")
        resources = lines(fhir, token, item)
        assert len(resources) == item["count"]
        for resource in resources:
            assert resource["resourceType"] == item["type"]
            validate_resource(resource)
    patient = lines(fhir, token, by_type["Patient"])[0]
    assert patient["name"][0]["text"] == "Rosa Delgado"


def test_files_are_sealed_at_rest(fhir, chart, kick):
    token = fhir.token()
    completed(fhir, token, kick(fhir, token=token))
    export = BulkExport.objects.get()
    for item in export.files.all():
        raw = (bulk.export_dir(export) / item.file_name).read_bytes()
        assert b"Rosa" not in raw
        assert b"resourceType" not in raw


def test_the_export_folders_are_private(fhir, chart, kick, settings, tmp_path):
    settings.LANTERN_FHIR_EXPORT_DIR = tmp_path / "fhir-exports"
    previous = os.umask(0o022)  # what a service account usually runs with
    try:
        token = fhir.token()
        completed(fhir, token, kick(fhir, token=token))
    finally:
        os.umask(previous)
    folder = bulk.export_dir(BulkExport.objects.get())
    for path in (folder.parent, folder):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700, path


def test_type_and_since_narrow_the_export(fhir, chart, personas, kick):
    token = fhir.token()
    manifest = completed(fhir, token, kick(fhir, "/fhir/Patient/$export?_type=Observation", token))
    assert [item["type"] for item in manifest["output"]] == ["Observation"]
    later = (timezone.now() + datetime.timedelta(minutes=1)).isoformat()
    url = f"/fhir/Patient/$export?_type=Observation&_since={later.replace('+', '%2B')}"
    assert completed(fhir, token, kick(fhir, url, token))["output"] == []


def test_group_export_is_the_clients_clinic(fhir, chart, personas, kick):
    token = fhir.token()
    own = kick(fhir, f"/fhir/Group/{personas.clinic.pk}/$export", token)
    assert completed(fhir, token, own)["output"]
    other = kick(fhir, f"/fhir/Group/{personas.other_clinic.pk}/$export", token)
    assert other.status_code == 404


def test_each_exported_patient_is_accounted_for(fhir, chart, personas, kick):
    unshared = make_patient(actor=personas.clinician, clinic=personas.clinic)
    token = fhir.token()
    manifest = completed(fhir, token, kick(fhir, token=token))
    export = BulkExport.objects.get()
    accounted = set(
        AuditEvent.objects.filter(action="export", object_id=str(export.pk)).values_list(
            "patient_id", flat=True
        )
    )
    assert personas.patient.pk in accounted
    assert unshared.pk not in accounted
    lines(fhir, token, manifest["output"][0])
    assert AuditEvent.objects.filter(
        action="export", detail__startswith="FHIR bulk export file downloaded"
    ).exists()


def test_polling_a_running_export_gives_202_with_progress(fhir):
    token = fhir.token()
    export = BulkExport.objects.create(
        client=fhir.client,
        level="system",
        types=["Patient"],
        request_url="x",
        scopes="",
        status=ExportStatus.RUNNING,
        progress="1000 patients done",
    )
    response = fhir.get(f"/fhir/bulk/{export.pk}", token)
    assert response.status_code == 202
    assert response["X-Progress"] == "1000 patients done"
    assert int(response["Retry-After"]) > 0


def test_delete_cancels_and_removes_the_files(
    fhir, chart, kick, django_capture_on_commit_callbacks
):
    token = fhir.token()
    location = path(kick(fhir, token=token)["Content-Location"])
    export = BulkExport.objects.get()
    assert bulk.export_dir(export).exists()
    with django_capture_on_commit_callbacks(execute=True):
        deleted = fhir.http.delete(location, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert deleted.status_code == 202
    assert not bulk.export_dir(export).exists()
    assert fhir.get(location, token).status_code == 404


def test_an_expired_export_is_gone_and_its_files_removed(fhir, chart, kick):
    token = fhir.token()
    location = path(kick(fhir, token=token)["Content-Location"])
    export = BulkExport.objects.get()
    later = timezone.now() + datetime.timedelta(hours=3)
    with time_machine.travel(later):
        token = fhir.token()
        response = fhir.get(location, token)
    assert response.status_code == 410
    assert response.json()["resourceType"] == "OperationOutcome"
    assert not bulk.export_dir(export).exists()


def test_another_client_cannot_see_the_export(fhir, chart, personas, rsa_key, kick):
    from lantern.fhir import services
    from tests.fhir.conftest import Fhir, FhirTestClient

    token = fhir.token()
    location = path(kick(fhir, token=token)["Content-Location"])
    other = services.api_client_register(
        actor=personas.admin,
        name="Other",
        clinic=personas.clinic,
        scope_text="system/*.rs",
        jwks=fhir.client.jwks,
    )
    stranger = Fhir(other, FhirTestClient(), rsa_key)
    assert stranger.get(location).status_code == 404


@pytest.mark.parametrize(
    ("url", "prefer", "status"),
    [
        ("/fhir/$export", "", 400),
        ("/fhir/$export?_type=Practitioner", "respond-async", 400),
        ("/fhir/$export?_since=yesterday", "respond-async", 400),
        ("/fhir/$export?_outputFormat=text/csv", "respond-async", 400),
        ("/fhir/$export?_typeFilter=x", "respond-async", 400),
    ],
)
def test_kick_off_errors(fhir, url, prefer, status):
    response = fhir.get(url, HTTP_PREFER=prefer) if prefer else fhir.get(url)
    assert response.status_code == status
    assert response.json()["resourceType"] == "OperationOutcome"


def test_exporting_a_type_needs_its_scope(fhir, kick):
    token = fhir.token("system/Patient.rs")
    response = kick(fhir, "/fhir/$export?_type=Observation", token)
    assert response.status_code == 403


def test_patients_without_consent_are_left_out(fhir, chart, personas, kick):
    withdrawn = make_patient(
        actor=personas.clinician, clinic=personas.clinic, preferred_name="Ana Ruiz"
    )
    share_with_ehr(personas, patient=withdrawn)
    share_with_ehr(personas, patient=withdrawn, status="withdrawn")
    token = fhir.token()
    manifest = completed(fhir, token, kick(fhir, "/fhir/Patient/$export?_type=Patient", token))
    ids = [p["id"] for p in lines(fhir, token, manifest["output"][0])]
    assert ids == [str(personas.patient.pk)]


def test_export_accounting_keeps_the_audit_chain_intact(fhir, chart, personas, kick):
    from lantern.audit.verification import verify_stored_chain

    for _ in range(3):
        extra = make_patient(actor=personas.clinician, clinic=personas.clinic)
        share_with_ehr(personas, patient=extra)
    token = fhir.token()
    completed(fhir, token, kick(fhir, token=token))
    assert AuditEvent.objects.filter(action="export", patient_id__isnull=False).count() == 4
    assert verify_stored_chain().intact
