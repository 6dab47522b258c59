"""A Bulk export writes exactly the bytes the straightforward export wrote: each type's rows
of each page of patients, rendered one by one and encoded by the standard library.

The reference below is that plain loop, kept here as the measure of the faster one in
``bulk``. The data set makes every type, several pages of patients and several sealed
chunks per file, with text that JSON must escape (quotes, backslashes, line and paragraph
separators, control characters) and text it must not (accents, emoji).
"""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from lantern.accounts.models import Clinic
from lantern.audit.models import Action, Category
from lantern.audit.services import audit_record
from lantern.fhir import bulk
from lantern.fhir.access import ClientAccess
from lantern.fhir.models import BulkExport
from lantern.fhir.resources import REGISTRY
from lantern.fhir.scopes import Grant
from lantern.screening import services as screening_services
from tests.factories import make_patient
from tests.fhir.conftest import ALL_SCOPES, share_with_ehr
from tests.fhir.test_careplans_referrals import plan, referral  # noqa: F401 (fixtures)

REFERENCE_ENCODER = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), check_circular=False
)
TRICKY = 'Clínica "Norte" \\ 🌙 \u2028\u2029 <b>&amp; \x01\x1f\x7f tab\tend'
WITHOUT_IDENTITY = "system/*.rs"


def reference_ndjson(export: BulkExport) -> dict[str, bytes]:
    """Each type's NDJSON as the plain loop writes it: pages of ``bulk.PATIENT_BATCH``
    patients in key order, each type's rows of a page in key order, one line a resource."""
    access = bulk.access_for(export)
    found = {name: bytearray() for name in export.types}

    def add(name: str, resource: dict[str, Any]) -> None:
        found[name] += REFERENCE_ENCODER.encode(resource).encode() + b"\n"

    if "Questionnaire" in found:
        for resource in REGISTRY["Questionnaire"].everything(access):
            add("Questionnaire", resource)
    groups: dict[str, list[Any]] = {}
    for name in export.types:
        kind = REGISTRY[name]
        if kind.in_patient_compartment:
            groups.setdefault(getattr(kind, "export_source", "") or name, []).append(kind)
    ids = list(access.patients().order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), bulk.PATIENT_BATCH):
        page = ids[start : start + bulk.PATIENT_BATCH]
        for types in groups.values():
            for row in types[0].export_rows(access, page, export.since, types):
                for kind in types:
                    for resource in kind.render(row, access):
                        add(kind.name, resource)
    return {name: bytes(data) for name, data in found.items() if data}


def written_ndjson(export: BulkExport) -> dict[str, bytes]:
    """The plain bytes of each file the export wrote, checked against its manifest row."""
    written = {}
    for item in export.files.all():
        data = b"".join(bulk.read_sealed(export, item))
        assert item.size == len(data)
        assert item.resources == data.count(b"\n")
        written[item.resource_type] = data
    return written


@pytest.fixture
def data_set(personas, chart, plan, referral, fhir):  # noqa: F811 (fixtures)
    """Every type, seven patients the client may see (one without consent, left out), a
    clinic name and audit details that need escaping, and rows on both sides of a
    ``_since``."""
    p = personas
    Clinic.objects.filter(pk=p.clinic.pk).update(name=TRICKY)
    full_width = "\uff26\uff55\uff4c\uff4c\u00a0width"
    names = ["José Núñez-Ibáñez", 'Ana "Nita" O\'Brien', "Zoë \\ Łucja 李", full_width]
    for number, name in enumerate(names):
        patient = make_patient(
            actor=p.clinician,
            clinic=p.clinic,
            preferred_name=name,
            legal_name=name.upper() if number % 2 else "",
            mrn=f"MRN-{number}\u2028x",
            interpreter_needed=bool(number % 2),
            birth_date=None if number == 3 else datetime.date(1990 + number, 1, 2),
            birth_date_kind="unknown" if number == 3 else "exact",
            gender_identity=["man", "non_binary", "declined", "transgender_woman"][number],
            preferred_language=["en", "es", "zh", "fr"][number],
        )
        share_with_ehr(p, patient)
        audit_record(
            action=Action.READ,
            actor=p.clinician,
            patient_id=patient.pk,
            category=Category.SENSITIVE,
            detail=f"detail {TRICKY} {number}",
        )
    make_patient(actor=p.clinician, clinic=p.clinic, preferred_name="Not shared")
    middle = timezone.now()
    late = make_patient(actor=p.clinician, clinic=p.clinic, preferred_name="Émilie Late")
    share_with_ehr(p, late)
    session = screening_services.screening_start(
        actor=p.clinician, patient=late, instrument_ids=["phq-9"], language="en"
    )
    answers = {f"phq9-{n}": "3" for n in range(1, 10)}
    screening_services.result_record(
        actor=p.clinician, session=session, instrument_id="phq-9", answers=answers
    )
    return {"middle": middle}


def exported(fhir, scopes: str, types: list[str], since: Any) -> BulkExport:
    """An export queued (not run) for the test's registered client."""
    access = ClientAccess(
        client=fhir.client, grant=Grant.of(scopes), base_url="http://testserver/fhir"
    )
    return bulk.export_start(
        access=access,
        level="system",
        group_id="",
        types=types,
        since=since,
        url="http://testserver/fhir/$export",
    )


CASES = [
    pytest.param(ALL_SCOPES, None, None, id="everything"),
    pytest.param(WITHOUT_IDENTITY, None, None, id="without-identity"),
    pytest.param(ALL_SCOPES, ["Patient", "Flag", "Task", "AuditEvent"], None, id="some-types"),
    pytest.param(ALL_SCOPES, ["Flag"], None, id="flags-alone"),
    pytest.param(ALL_SCOPES, None, "middle", id="since"),
    pytest.param(WITHOUT_IDENTITY, ["Patient", "Observation"], "middle", id="types-since"),
]


@pytest.mark.parametrize(("scopes", "types", "since"), CASES)
def test_the_export_writes_the_reference_bytes(data_set, fhir, monkeypatch, scopes, types, since):
    monkeypatch.setattr(bulk, "PATIENT_BATCH", 2)  # four pages of patients
    monkeypatch.setattr(bulk, "CHUNK_BYTES", 3000)  # several sealed chunks per file
    chosen = types or [name for name in REGISTRY if Grant.of(scopes).allows(name, "r")]
    export = exported(fhir, scopes, chosen, data_set[since] if since else None)
    expected = reference_ndjson(export)
    assert set(expected) >= ({"Patient"} & set(chosen))
    assert bulk.run_export.call(str(export.pk)) == "completed"
    written = written_ndjson(export)
    assert set(written) == set(expected)
    for name, data in expected.items():
        assert written[name] == data, name  # byte for byte, not as parsed JSON


def test_the_data_set_makes_every_type_and_escapes(data_set, fhir):
    expected = reference_ndjson(exported(fhir, ALL_SCOPES, list(REGISTRY), None))
    assert set(expected) == set(REGISTRY)
    everything = b"".join(expected.values())
    for needle in ("\\u0001", "\\u001f", "\\t", '\\"', "\\\\", "Núñez", "🌙", "\u2028", "李"):
        assert needle.encode() in everything, needle
    assert everything.count(b'"resourceType":"Patient"') == 6


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's JIT compiler")
@pytest.mark.django_db(transaction=True)  # each page's transaction commits, as in the worker
def test_each_page_of_patients_is_read_without_the_jit_compiler(data_set, fhir, monkeypatch):
    """PostgreSQL would compile each page's plan (costed high, cheap to run); the setting is
    off for that statement only, and on again for whatever runs after it."""
    monkeypatch.setattr(bulk, "PATIENT_BATCH", 2)
    seen: list[tuple[str, str]] = []

    def jit_at(execute, sql, params, many, context):
        with context["connection"].connection.cursor() as raw:  # the same session, unwrapped
            raw.execute("SHOW jit")
            seen.append((sql, raw.fetchone()[0]))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(jit_at):
        export = exported(fhir, ALL_SCOPES, ["Patient"], None)
        if export.status == "queued":  # a task backend that runs on commit has run it already
            bulk.run_export.call(str(export.pk))
    export.refresh_from_db()
    assert export.status == "completed"
    pages = [
        jit for sql, jit in seen if sql.startswith('SELECT "patients_patient"."id" AS "pk" FROM')
    ]
    assert len(pages) == 4  # three of two patients, and the last, empty
    assert set(pages) == {"off"}
    assert {jit for sql, jit in seen if "patients_patient" not in sql} == {"on"}
