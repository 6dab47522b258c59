"""A kiosk or EHR sends answers to a published Questionnaire and gets back the scored results."""

from __future__ import annotations

from lantern.audit.models import AuditEvent
from lantern.fhir.models import ClientSubmission
from lantern.screening.instruments import get_instrument
from lantern.screening.models import ScreeningResult

LOINC = "http://loinc.org"
BASE = "http://testserver/fhir"


def coding(code):
    return {"valueCoding": {"system": LOINC, "code": code}}


def response_for(patient, questionnaire, items):
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{BASE}/Questionnaire/{questionnaire}",
        "status": "completed",
        "subject": {"reference": f"Patient/{patient.pk}"},
        "authored": "2026-12-01T10:00:00Z",
        "item": [{"linkId": link_id, "answer": [answer]} for link_id, answer in items.items()],
    }


def asq_items(yes):
    items = {f"asq-{n}": coding("LA33-6" if n <= yes else "LA32-8") for n in range(1, 5)}
    if yes:
        items["asq-5"] = {"valueBoolean": False}
    return items


def test_loinc_coded_answers_are_scored_and_returned_with_observations(fhir, personas):
    body = response_for(personas.patient, "asq", asq_items(2))
    response = fhir.post("/fhir/QuestionnaireResponse", body)
    assert response.status_code == 201, response.content
    reply = response.json()
    kinds = [e["resource"]["resourceType"] for e in reply["entry"]]
    assert kinds[:2] == ["QuestionnaireResponse", "Observation"]
    stored, observation = (e["resource"] for e in reply["entry"][:2])
    assert response["Location"] == f"{BASE}/QuestionnaireResponse/{stored['id']}"
    assert observation["valueInteger"] == 2
    assert observation["interpretation"][0]["coding"][0]["code"] == "POS"
    assert observation["derivedFrom"] == [{"reference": f"QuestionnaireResponse/{stored['id']}"}]
    result = ScreeningResult.objects.get(pk=stored["id"])
    assert (result.total, result.positive, result.flags) == (2, True, ["suicide_risk"])
    assert ClientSubmission.objects.get(result=result).client == fhir.client
    assert AuditEvent.objects.filter(
        action="create", actor_label=fhir.client.get_username(), patient_id=personas.patient.pk
    ).exists()
    provenance = fhir.get(f"/fhir/Provenance/{stored['id']}").json()
    assert "Riverside EHR" in provenance["agent"][0]["who"]["display"]


def test_phq9_with_item_9_above_zero_raises_the_suicide_risk_flag(fhir, personas):
    items = {f"phq9-{n}": coding("LA6568-5") for n in range(1, 9)}
    items["phq9-9"] = coding("LA6569-3")
    response = fhir.post(
        "/fhir/QuestionnaireResponse", response_for(personas.patient, "phq-9", items)
    )
    assert response.status_code == 201
    flags = [
        e["resource"] for e in response.json()["entry"] if e["resource"]["resourceType"] == "Flag"
    ]
    assert [f["code"]["coding"][0]["code"] for f in flags] == ["suicide_risk"]


def test_lantern_local_codes_are_accepted_for_the_spanish_questionnaire(fhir, personas):
    local = f"{BASE}/CodeSystem/lantern-answer"
    items = {f"asq-{n}": {"valueCoding": {"system": LOINC, "code": "LA32-8"}} for n in range(1, 4)}
    items["asq-4"] = {"valueCoding": {"system": local, "code": "declined"}}
    items["asq-5"] = {"valueBoolean": False}
    response = fhir.post(
        "/fhir/QuestionnaireResponse", response_for(personas.patient, "asq-es", items)
    )
    assert response.status_code == 201, response.content
    stored = response.json()["entry"][0]["resource"]
    version = get_instrument("asq").version
    assert stored["questionnaire"].endswith(f"/Questionnaire/asq-es|{version}")


def test_answers_the_questionnaire_does_not_allow_get_422_naming_each_link_id(fhir, personas):
    items = asq_items(0)
    items["asq-1"] = coding("LA6571-9")  # a frequency answer to a yes/no question
    items["asq-3"] = {"valueCoding": {"system": "http://snomed.info/sct", "code": "373066001"}}
    response = fhir.post(
        "/fhir/QuestionnaireResponse", response_for(personas.patient, "asq", items)
    )
    assert response.status_code == 422
    where = [issue["expression"][0] for issue in response.json()["issue"]]
    assert where == ["QuestionnaireResponse.item.where(linkId='asq-3')"]
    assert not ScreeningResult.objects.exists()
    items.pop("asq-3")
    items["nonsense"] = coding("LA33-6")
    response = fhir.post(
        "/fhir/QuestionnaireResponse", response_for(personas.patient, "asq", items)
    )
    assert response.status_code == 422
    where = " ".join(issue["expression"][0] for issue in response.json()["issue"])
    assert "linkId='asq-1'" in where
    assert "linkId='nonsense'" in where
    assert "linkId='asq-3'" in where  # now missing: a required answer
    assert not ScreeningResult.objects.exists()


def test_a_missing_required_answer_is_named(fhir, personas):
    items = {f"phq9-{n}": coding("LA6568-5") for n in range(1, 8)}
    response = fhir.post(
        "/fhir/QuestionnaireResponse", response_for(personas.patient, "phq-9", items)
    )
    assert response.status_code == 422
    where = " ".join(issue["expression"][0] for issue in response.json()["issue"])
    assert "phq9-8" in where
    assert "phq9-9" in where


def test_trafficking_questions_are_not_received_from_outside(fhir, personas):
    body = response_for(personas.patient, "lantern-indicators", {})
    response = fhir.post("/fhir/QuestionnaireResponse", body)
    assert response.status_code == 422
    assert "private screening" in response.json()["issue"][0]["diagnostics"]


def test_a_patient_the_client_may_not_reach_is_refused_without_saying_why(fhir, personas):
    import uuid

    ghost = type("Ghost", (), {"pk": uuid.uuid4()})()
    response = fhir.post("/fhir/QuestionnaireResponse", response_for(ghost, "phq-9", {}))
    assert response.status_code == 422
    assert "may reach" in response.json()["issue"][0]["diagnostics"]


def test_invalid_fhir_and_wrong_versions_are_refused(fhir, personas):
    body = response_for(personas.patient, "phq-9", {})
    assert fhir.post("/fhir/QuestionnaireResponse", {**body, "status": 7}).status_code == 400
    assert fhir.post("/fhir/QuestionnaireResponse", {"resourceType": "Patient"}).status_code == 400
    wrong = {**body, "questionnaire": f"{BASE}/Questionnaire/phq-9|0.1"}
    assert fhir.post("/fhir/QuestionnaireResponse", wrong).status_code == 422


def test_creating_needs_the_create_scope(fhir, personas):
    token = fhir.token("system/QuestionnaireResponse.rs")
    body = response_for(personas.patient, "phq-9", {})
    assert fhir.post("/fhir/QuestionnaireResponse", body, token).status_code == 403
