"""Each resource type read and searched as a client would, with labels, consent and paging."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from lantern.audit.models import AuditEvent
from lantern.screening import services as screening_services
from tests.factories import make_patient
from tests.fhir.conftest import share_with_ehr

SECURITY = {
    ("http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "R"),
    ("http://terminology.hl7.org/CodeSystem/v3-ActCode", "SDV"),
}
PATIENT_TYPES = [
    "Patient",
    "Encounter",
    "QuestionnaireResponse",
    "Observation",
    "Condition",
    "Consent",
    "Flag",
    "AuditEvent",
    "Provenance",
]


def entries(response, mode="match"):
    assert response.status_code == 200, response.content
    return [e["resource"] for e in response.json().get("entry", []) if e["search"]["mode"] == mode]


def labels_of(resource):
    return {(label["system"], label["code"]) for label in resource["meta"].get("security", [])}


@pytest.mark.parametrize("name", PATIENT_TYPES)
def test_every_patient_resource_round_trips_with_restricted_sdv_labels(fhir, chart, name):
    token = fhir.token()
    search = "_id" if name == "Patient" else "patient"
    found = entries(fhir.get(f"/fhir/{name}?{search}={fhir_patient(chart)}", token))
    assert found, f"no {name} found"
    for resource in found:
        assert resource["resourceType"] == name
        assert labels_of(resource) >= SECURITY
        again = fhir.get(f"/fhir/{name}/{resource['id']}", token)
        assert again.status_code == 200
        assert again.json() == resource


def fhir_patient(chart):
    return chart["visit"].patient_id


def test_questionnaires_are_served_in_each_language_without_patient_labels(fhir):
    token = fhir.token()
    found = entries(fhir.get("/fhir/Questionnaire?_count=500", token))
    ids = {q["id"] for q in found}
    assert {"phq-9", "phq-9-es", "asq", "asq-es"} <= ids
    phq9 = fhir.get("/fhir/Questionnaire/phq-9", token).json()
    assert (phq9["status"], phq9["publisher"], phq9["date"]) == ("draft", "Lantern", "2026-11-27")
    assert "security" not in phq9.get("meta", {})
    url = phq9["url"]
    assert [q["id"] for q in entries(fhir.get(f"/fhir/Questionnaire?url={url}", token))] == [
        "phq-9"
    ]
    assert entries(fhir.get(f"/fhir/Questionnaire?url={url}&version=9.9", token)) == []


def test_names_are_decrypted_only_with_the_identity_scope(fhir, personas):
    with_identity = fhir.get(f"/fhir/Patient/{personas.patient.pk}").json()
    assert with_identity["name"][0]["text"] == "Rosa Delgado"
    assert with_identity["identifier"][0]["value"] == "RV-1001"
    token = fhir.token("system/Patient.rs")
    without = fhir.get(f"/fhir/Patient/{personas.patient.pk}", token).json()
    assert "name" not in without
    assert "identifier" not in without
    assert ("http://terminology.hl7.org/CodeSystem/v3-ObservationValue", "REDACTED") in labels_of(
        without
    )
    assert "Rosa" not in fhir.get("/fhir/Patient", token).content.decode()


def test_search_by_name_uses_the_blind_index_and_needs_identity(fhir, personas):
    token = fhir.token()
    found = entries(fhir.get("/fhir/Patient?name=rosa delgadoo", token))
    assert [p["id"] for p in found] == [str(personas.patient.pk)]
    refused = fhir.get("/fhir/Patient?name=Rosa", fhir.token("system/Patient.rs"))
    assert refused.status_code == 403


def test_search_by_identifier_and_birthdate(fhir, personas):
    token = fhir.token("system/Patient.rs")
    assert entries(fhir.get("/fhir/Patient?identifier=rv-1001", token))
    assert entries(fhir.get("/fhir/Patient?birthdate=1998-04-17", token))
    assert entries(fhir.get("/fhir/Patient?birthdate=ge1998", token))
    assert not entries(fhir.get("/fhir/Patient?birthdate=lt1998-04-17", token))
    assert not entries(fhir.get("/fhir/Patient?identifier=RV-9999", token))


def test_consent_decides_what_the_client_sees(fhir, personas, chart):
    token = fhir.token()
    patient = personas.patient.pk
    assert fhir.get(f"/fhir/Patient/{patient}", token).status_code == 200
    share_with_ehr(personas, status="withdrawn")
    assert fhir.get(f"/fhir/Patient/{patient}", token).status_code == 404
    assert not entries(fhir.get(f"/fhir/Observation?patient={patient}", token))
    assert AuditEvent.objects.filter(
        actor_label=fhir.client.get_username(), outcome="denied"
    ).exists()


def test_patients_of_other_clinics_and_without_consent_are_not_found(fhir, personas):
    elsewhere = make_patient(actor=personas.outsider, clinic=personas.other_clinic)
    share_with_ehr(personas, patient=elsewhere)
    no_consent = make_patient(actor=personas.clinician, clinic=personas.clinic)
    token = fhir.token()
    for patient in (elsewhere, no_consent):
        response = fhir.get(f"/fhir/Patient/{patient.pk}", token)
        assert response.status_code == 404
        assert response.json()["issue"][0]["code"] == "not-found"
    assert [p["id"] for p in entries(fhir.get("/fhir/Patient", token))] == [
        str(personas.patient.pk)
    ]


def test_observation_carries_loinc_score_band_and_derived_from(fhir, chart):
    token = fhir.token()
    (observation,) = entries(fhir.get("/fhir/Observation?code=http://loinc.org|44261-6", token))
    assert observation["valueInteger"] == 17
    assert observation["code"]["coding"][0]["code"] == "44261-6"
    assert observation["component"][0]["valueCodeableConcept"]["coding"][0]["code"] == (
        "moderately_severe"
    )
    assert observation["derivedFrom"] == [
        {"reference": f"QuestionnaireResponse/{chart['result'].pk}"}
    ]
    assert ("http://terminology.hl7.org/CodeSystem/v3-ActCode", "BH") in labels_of(observation)


def test_questionnaire_response_names_the_spanish_questionnaire_and_loinc_answers(fhir, chart):
    response = fhir.get(f"/fhir/QuestionnaireResponse/{chart['result'].pk}").json()
    assert response["questionnaire"].endswith("/Questionnaire/phq-9-es|1.0.0")
    first = response["item"][0]["answer"][0]["valueCoding"]
    assert (first["system"], first["code"]) == ("http://loinc.org", "LA6570-1")


def test_include_brings_the_patient_and_the_response(fhir, chart):
    token = fhir.token()
    response = fhir.get(
        "/fhir/Observation?_include=Observation:patient&_include=Observation:derived-from", token
    )
    included = {r["resourceType"] for r in entries(response, "include")}
    assert included == {"Patient", "QuestionnaireResponse"}


def test_condition_holds_only_codes_confirmed_with_the_patient(fhir, chart, personas):
    token = fhir.token()
    codes = [c["code"]["coding"][0]["code"] for c in entries(fhir.get("/fhir/Condition", token))]
    assert codes == ["T76.51XA"]
    screening_services.code_decide(
        actor=personas.clinician,
        patient=personas.patient,
        result=None,
        code="T76.51XA",
        decision="declined",
        discussed_with_patient=True,
    )
    assert entries(fhir.get("/fhir/Condition", token)) == []


def test_consent_provisions_are_computable(fhir, chart, personas):
    token = fhir.token()
    (consent,) = entries(fhir.get("/fhir/Consent", token))
    provision = consent["provision"]
    assert provision["type"] == "permit"
    assert provision["action"][0]["coding"][0]["code"] == "disclose"
    assert provision["actor"][0]["role"]["coding"][0]["code"] == "IRCP"
    assert "start" in provision["period"]
    assert consent["scope"]["coding"][0]["code"] == "patient-privacy"


def test_flag_is_a_safety_flag_for_suicide_risk(fhir, chart):
    (flag,) = entries(fhir.get("/fhir/Flag"))
    assert flag["code"]["coding"][0]["code"] == "suicide_risk"
    assert flag["category"][0]["coding"][0]["code"] == "safety"


def test_paging_follows_keyset_next_links(fhir, personas):
    for _ in range(4):
        extra = make_patient(actor=personas.clinician, clinic=personas.clinic)
        share_with_ehr(personas, patient=extra)
    token = fhir.token()
    seen, url, pages = [], "/fhir/Patient?_count=2", 0
    while url:
        body = fhir.get(url, token).json()
        seen += [e["resource"]["id"] for e in body.get("entry", [])]
        nxt = [link["url"] for link in body["link"] if link["relation"] == "next"]
        url = urlsplit(nxt[0])._replace(scheme="", netloc="").geturl() if nxt else None
        pages += 1
    assert pages == 3
    assert len(seen) == len(set(seen)) == 5


def test_date_and_last_updated_filters(fhir, chart):
    token = fhir.token()
    assert entries(fhir.get("/fhir/Encounter?date=ge2000-01-01", token))
    assert not entries(fhir.get("/fhir/Encounter?date=lt2000", token))
    assert entries(fhir.get("/fhir/Observation?_lastUpdated=gt2000-01-01T00:00:00Z", token))


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/fhir/Patient?colour=blue", 400),
        ("/fhir/Patient?_count=0", 400),
        ("/fhir/Patient?_cursor=forged", 400),
        ("/fhir/Observation?date=yesterday", 400),
        ("/fhir/Observation?_include=Observation:performer", 400),
        ("/fhir/Observation/999999", 404),
        ("/fhir/Practitioner", 404),
        ("/fhir/Patient/not-a-uuid", 404),
    ],
)
def test_errors_are_operation_outcomes(fhir, url, status):
    response = fhir.get(url)
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/fhir+json")
    assert response.json()["resourceType"] == "OperationOutcome"


def test_every_read_is_audited_as_the_client(fhir, personas, chart):
    fhir.get(f"/fhir/Observation/{chart['result'].pk}")
    entry = AuditEvent.objects.filter(action="read", patient_id=personas.patient.pk).latest(
        "sequence"
    )
    assert entry.actor_label == fhir.client.get_username()
    assert "Observation" in entry.detail


def test_capability_statement_lists_every_served_type(fhir):
    statement = fhir.http.get("/fhir/metadata").json()
    resources = {r["type"]: r for r in statement["rest"][0]["resource"]}
    for name in [*PATIENT_TYPES, "Questionnaire", "CarePlan", "ServiceRequest", "Task"]:
        assert {"code": "read"} in resources[name]["interaction"]
    assert statement["fhirVersion"] == "4.0.1"
    assert statement["format"] == ["json"]


def test_xml_is_refused_with_406(fhir):
    assert fhir.http.get("/fhir/metadata?_format=xml").status_code == 406


@pytest.mark.parametrize("name", ["Provenance", "AuditEvent", "Observation"])
def test_a_search_is_audited_as_a_read_of_each_patient_it_returned(fhir, chart, personas, name):
    fhir.get(f"/fhir/{name}")
    assert AuditEvent.objects.filter(
        action="read",
        patient_id=personas.patient.pk,
        actor_label=fhir.client.get_username(),
        detail=f"FHIR search {name}",
    ).exists()
    assert AuditEvent.objects.filter(
        action="search", detail__startswith=f"FHIR search {name}"
    ).exists()
