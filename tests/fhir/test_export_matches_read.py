"""A Bulk export carries each resource exactly as a read of it returns it, and opens no sealed
value the resource does not carry."""

from __future__ import annotations

import datetime

import pytest

from lantern.encounters.models import Encounter
from lantern.fhir import labels
from lantern.fhir.resources import REGISTRY
from tests.fhir.test_bulk import completed, lines
from tests.fhir.test_careplans_referrals import plan, referral  # noqa: F401 (fixtures)

WITHOUT_IDENTITY = "system/*.rs"


@pytest.mark.usefixtures("plan", "referral")
@pytest.mark.parametrize("scope", [None, WITHOUT_IDENTITY])
def test_every_exported_resource_is_what_a_read_of_it_returns(fhir, kick, scope):
    token = fhir.token(scope) if scope else fhir.token()
    manifest = completed(fhir, token, kick(fhir, token=token))
    exported = {item["type"]: lines(fhir, token, item) for item in manifest["output"]}
    assert set(exported) == set(REGISTRY)  # the chart, plan and referral make every type
    for name, resources in exported.items():
        for resource in resources:
            read = fhir.get(f"/fhir/{name}/{resource['id']}", token)
            assert read.status_code == 200, (name, resource["id"])
            assert read.json() == resource, name


def test_instants_are_utc_milliseconds_cut_as_lantern_writes_them(fhir, chart, kick):
    started = datetime.datetime(2024, 5, 6, 7, 8, 9, 123999, tzinfo=datetime.UTC)
    ended = datetime.datetime(2024, 5, 6, 9, 30, tzinfo=datetime.UTC)
    Encounter.objects.filter(pk=chart["visit"].pk).update(started_at=started, ended_at=ended)
    token = fhir.token()
    manifest = completed(fhir, token, kick(fhir, "/fhir/$export?_type=Encounter", token))
    (visit,) = lines(fhir, token, manifest["output"][0])
    assert visit["period"] == {
        "start": "2024-05-06T07:08:09.123Z",
        "end": "2024-05-06T09:30:00.000Z",
    }
    assert visit["period"]["start"] == labels.instant(started)
    assert visit["meta"]["lastUpdated"] == labels.instant(ended)
    assert fhir.get(f"/fhir/Encounter/{visit['id']}", token).json() == visit


def test_an_export_without_the_identity_scope_never_opens_a_name(fhir, chart, kick, opened):
    token = fhir.token(WITHOUT_IDENTITY)
    opened.clear()
    manifest = completed(fhir, token, kick(fhir, "/fhir/$export?_type=Patient", token))
    (patient,) = lines(fhir, token, manifest["output"][0])
    assert "name" not in patient
    assert not {"patients.patient.preferred_name", "patients.patient.legal_name"} & opened


def test_an_export_opens_only_what_it_sends(fhir, chart, kick, opened, personas):
    personas.patient.pronouns = "she/her"
    personas.patient.save()
    token = fhir.token()
    opened.clear()
    completed(fhir, token, kick(fhir, token=token))
    assert "patients.patient.preferred_name" in opened  # names go with the identity scope
    assert "patients.patient.pronouns" not in opened
    assert "patients.patient.gender_identity_detail" not in opened
