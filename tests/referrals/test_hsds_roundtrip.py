"""Import -> export -> import loses nothing, and every exported document is schema-valid."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from lantern.referrals.demo import demo_directory_load
from lantern.referrals.hsds import exporting, reading, validation
from lantern.referrals.hsds.importing import directory_import
from tests.factories import ClinicFactory
from tests.referrals.conftest import UPSTREAM, VALID

SOURCES = {
    "valid-objects": [VALID / "objects"],
    "valid-compiled": [VALID / "compiled"],
    **{
        f"upstream-{name}": [UPSTREAM / f"{name}.json"]
        for name in (
            "organization_full",
            "service_full",
            "service_at_location_full",
            "location",
            "taxonomy_term",
            "organization_list",
            "service_list",
            "service_at_location_list",
            "taxonomy_list",
        )
    },
}


def _state(system) -> dict[tuple[str, str], dict[str, Any]]:
    """Every record of a directory as HSDS sees it (per-object documents, by table and id)."""
    snapshot = exporting.Snapshot().load(system)
    return {(d.kind, str(d.id)): d.body for d in exporting.per_object(snapshot)}


def _facts(kind: str, document: Any) -> set[tuple[str, str, str, str]]:
    """(table, id, field, value) for every scalar of every object in a document."""
    collection = reading.Collection()
    reading.read_document(collection, kind, document, "", "")
    return {
        (record.kind, str(record.id), name, json.dumps(value))
        for record in collection.records.values()
        for name, value in record.values.items()
        if value not in ("", None)
    }


def _fresh_system():
    return ClinicFactory().health_system


@pytest.mark.parametrize("form", exporting.FORMS)
@pytest.mark.parametrize("source", sorted(SOURCES))
def test_import_export_import_is_lossless(db, tmp_path, source, form):
    first = _fresh_system()
    result = directory_import(health_system=first, paths=SOURCES[source])
    assert result.ok, result.problems
    exported = exporting.write(exporting.documents(first, form), tmp_path / "out")
    for path in exported:
        kind = reading.kind_of(path)
        assert kind is not None
        body = json.loads(path.read_text())
        assert list(validation.errors(kind, body)) == [], path
    second = _fresh_system()
    again = directory_import(health_system=second, paths=[tmp_path / "out"])
    assert again.ok, again.problems
    assert _state(second) == _state(first)
    # Every value of the source is in the export.
    source_facts: set[tuple[str, str, str, str]] = set()
    for path in reading.json_files(SOURCES[source]):
        kind = reading.kind_of(path)
        for _at, item in reading._items(json.loads(path.read_text())):
            source_facts |= _facts(kind, item)
    exported_facts: set[tuple[str, str, str, str]] = set()
    for path in exported:
        exported_facts |= _facts(reading.kind_of(path), json.loads(path.read_text()))
    assert source_facts <= exported_facts, sorted(source_facts - exported_facts)[:5]


@pytest.mark.parametrize("form", exporting.FORMS)
def test_the_demo_directory_round_trips_and_exports_valid_documents(personas, tmp_path, form):
    system = personas.clinic.health_system
    assert demo_directory_load(system).ok
    call_command(
        "directory", "export", str(tmp_path), "--form", form, "--health-system", system.name
    )
    files = list(Path(tmp_path).rglob("*.json"))
    assert len(files) >= 9  # at least one document per organisation
    for path in files:
        assert list(validation.errors(reading.kind_of(path), json.loads(path.read_text()))) == []
    other = personas.other_clinic.health_system
    assert directory_import(health_system=other, paths=[tmp_path]).ok
    assert _state(other) == _state(system)


def test_the_compiled_export_nests_services_in_their_organisation(personas, tmp_path):
    system = personas.clinic.health_system
    assert directory_import(health_system=system, paths=[VALID / "objects"]).ok
    documents = exporting.documents(system, "compiled")
    (organization,) = [d for d in documents if d.kind == "organization"]
    service = organization.body["services"][0]
    assert service["phones"][0]["number"] == "+1 555 0100"
    assert service["attributes"][0]["taxonomy_term"]["taxonomy_detail"]["version"] == "1.0"
    assert service["service_at_locations"][0]["location"]["addresses"][0]["city"] == "Exampleville"
    assert validation.schema_for("organization", organization.body) == "compiled/organization.json"
