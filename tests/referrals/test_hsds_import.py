"""Importing HSDS 3.0 JSON: both forms accepted, bad files refused whole with every problem."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from lantern.audit.models import AuditEvent
from lantern.referrals import taxonomy
from lantern.referrals.hsds.importing import directory_import
from lantern.referrals.models import (
    Attribute,
    Organization,
    Phone,
    Service,
    ServiceAtLocation,
)
from tests.referrals.conftest import INVALID, UPSTREAM, VALID

ORG = "6f1c2a9e-3b4d-4e5f-8a7b-1c2d3e4f5a60"
SERVICE = "7a2b3c4d-5e6f-4a1b-9c8d-2e3f4a5b6c71"


def _import(system, *paths):
    return directory_import(health_system=system, paths=list(paths), base=None)


@pytest.mark.parametrize("form", ["objects", "compiled"])
def test_the_valid_examples_import_in_either_form(system, form):
    result = _import(system, VALID / form)
    assert result.ok, result.problems
    service = Service.objects.in_directory(system).get(hsds_id=SERVICE)
    assert service.organization.hsds_id.hex == ORG.replace("-", "")
    assert service.minimum_age == 12
    assert service.phones.get().number == "+1 555 0100"
    assert ServiceAtLocation.objects.get(service=service).location.addresses.get().city == (
        "Exampleville"
    )
    attribute = Attribute.objects.get(link_id=service.hsds_id)
    assert attribute.taxonomy_term.name == "Sexual Assault Services"
    assert attribute.linked_type == "service"


def test_upstream_nests_one_phone_under_five_parents_and_it_stays_one_phone(system):
    result = _import(system, UPSTREAM / "organization_full.json")
    assert result.ok, result.problems
    phone = Phone.objects.get(hsds_id="1554f2e2-a373-45db-a3fa-9fc48a61c15e")
    assert {phone.organization_id, phone.service_id, phone.location_id, phone.contact_id} != {None}
    assert phone.service_at_location_id is not None
    assert phone.languages.get().code == "ur"


EXPECTED = {
    "organization-missing-id.json": ("organization at /", "id", "required property"),
    "service-bad-uuid.json": ("service at /", "id", "is not a 'uuid'"),
    "location-wrong-type.json": (
        "location 8b3c4d5e-6f7a-4b2c-8d9e-3f4a5b6c7d82",
        "latitude",
        "is not of type 'number'",
    ),
    "location-nested-phone-missing-number.json": (
        "phone a05e6f7a-8b9c-4d4e-8f1a-5b6c7d8e9fa4",
        "number",
        "required property",
    ),
    "organization_full-bad-schedule-enum.json": (
        "schedule b16f7a8b-9c0d-4e5f-9a2b-6c7d8e9fa0b5",
        "freq",
        "'DAILY' is not one of",
    ),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_invalid_example_is_refused_with_a_row_naming_object_and_field(system, name):
    result = _import(system, INVALID / name)
    assert not result.ok
    rows = [(p.object, p.field) for p in result.problems]
    expected_object, expected_field, words = EXPECTED[name]
    assert (expected_object, expected_field) in rows
    assert any(words in p.problem for p in result.problems)
    assert all(p.file.endswith(name) for p in result.problems)
    assert not Organization.objects.in_directory(system).exists()


def _write(folder: Path, name: str, body: object) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(body))


def test_a_file_with_several_problems_is_refused_whole_and_lists_every_one(system, tmp_path):
    shutil.copytree(VALID / "objects", tmp_path / "feed")
    feed = tmp_path / "feed"
    _write(feed, "services/orphan.json", {
        "id": "11111111-1111-4111-8111-111111111111", "name": "No organisation",
        "status": "active", "organization_id": "22222222-2222-4222-8222-222222222222",
    })  # fmt: skip
    _write(feed, "attributes/unknown-term.json", {
        "id": "33333333-3333-4333-8333-333333333333", "link_id": SERVICE,
        "link_entity": "service", "taxonomy_term_id": "44444444-4444-4444-8444-444444444444",
    })  # fmt: skip
    _write(feed, "organizations/no-id.json", {"name": "Nameless", "description": "x"})
    _write(feed, "services/bad-id.json", {"id": "not-a-uuid", "name": "x", "status": "active"})
    result = _import(system, feed)
    rows = {(p.object.split(" ")[0], p.field) for p in result.problems}
    assert ("service", "organization_id") in rows
    assert ("attribute", "taxonomy_term_id") in rows
    assert ("organization", "id") in rows
    assert ("service", "id") in rows
    problems = " ".join(p.problem for p in result.problems)
    assert "unknown organization" in problems
    assert "unknown taxonomy term" in problems
    # Without the broken files, the two bad links alone still refuse the import.
    (feed / "organizations/no-id.json").unlink()
    (feed / "services/bad-id.json").unlink()
    result = _import(system, feed)
    assert {p.field for p in result.problems} == {"organization_id", "taxonomy_term_id"}
    assert not Service.objects.in_directory(system).exists()
    assert not Organization.objects.in_directory(system).exists()


def test_a_service_must_name_its_organisation_and_a_phone_its_parent(system, tmp_path):
    _write(tmp_path, "services/a.json", {
        "id": "11111111-1111-4111-8111-111111111111", "name": "Loose", "status": "active",
    })  # fmt: skip
    _write(tmp_path, "phones/a.json", {"id": "55555555-5555-4555-8555-555555555555", "number": "1"})
    result = _import(system, tmp_path)
    assert {(p.object.split(" ")[0], p.field) for p in result.problems} == {
        ("service", "organization_id"),
        ("phone", "location_id"),
    }


def test_lantern_taxonomy_cannot_be_renamed_by_an_import(system, tmp_path):
    need = taxonomy.NEEDS[0]
    _write(tmp_path, "taxonomy_terms/a.json", {
        "id": str(need.id), "name": "Renamed", "description": "x",
    })  # fmt: skip
    result = _import(system, tmp_path)
    assert [(p.field, "Lantern's own" in p.problem) for p in result.problems] == [("name", True)]


def test_reimporting_replaces_rather_than_duplicates(system):
    assert _import(system, VALID / "objects").ok
    again = _import(system, VALID / "objects")
    assert again.created == 0
    assert again.updated > 0
    assert Service.objects.in_directory(system).count() == 1


def test_two_health_systems_can_import_the_same_feed(personas):
    first = personas.clinic.health_system
    second = personas.other_clinic.health_system
    assert _import(first, VALID / "objects").ok
    assert _import(second, VALID / "objects").ok
    assert Service.objects.filter(hsds_id=SERVICE).count() == 2


def test_the_command_prints_one_row_per_problem_and_changes_nothing(system, capsys):
    with pytest.raises(CommandError, match="nothing was changed"):
        call_command("directory", "import", str(INVALID), "--health-system", system.name)
    err = capsys.readouterr().err
    assert err.splitlines()[0] == "file\tobject\tfield\tproblem"
    assert "service-bad-uuid.json\tservice at /\tid\t" in err
    assert len(err.splitlines()) == 1 + len(EXPECTED)
    assert not Organization.objects.exists()


def test_the_command_imports_and_audits(system, capsys):
    call_command("directory", "import", str(VALID / "compiled"), "--health-system", system.name)
    assert "record(s) added" in capsys.readouterr().out
    assert AuditEvent.objects.filter(
        action="create", detail__startswith="directory import"
    ).exists()


def test_lantern_vocabulary_comes_back_if_the_database_lost_it(system):
    from lantern.referrals.models import TaxonomyTerm

    TaxonomyTerm.objects.filter(health_system__isnull=True).delete()
    from lantern.referrals.demo import demo_directory_load

    assert demo_directory_load(system).ok
    assert TaxonomyTerm.objects.filter(health_system__isnull=True).count() == len(taxonomy.TERMS)
