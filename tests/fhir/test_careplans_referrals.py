"""CarePlan, ServiceRequest and Task read and searched as a client would, and exported."""

from __future__ import annotations

import datetime
import json

import pytest
from django.utils import timezone

from lantern.audit.models import AuditEvent
from lantern.careplans import services as careplans
from lantern.careplans.models import Activity, CarePlan
from lantern.referrals import referring, taxonomy
from tests.factories import make_patient
from tests.fhir.conftest import share_with_ehr
from tests.fhir.test_bulk import completed, lines
from tests.fhir.test_resources import SECURITY, entries, labels_of
from tests.fhir.validation import validate_resource
from tests.referrals import referral_helpers

ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
TYPES = ("CarePlan", "ServiceRequest", "Task")


@pytest.fixture
def plan(personas, chart):
    """A plan with a generated activity (from the visit and the screening) and a manual one."""
    p = personas
    plan = careplans.careplan_for(patient=p.patient)
    now = timezone.now().replace(microsecond=0)
    generated = careplans.activity_add(
        plan=plan,
        actor=p.clinician,
        code="hiv-retest",
        title="HIV test six weeks after the exposure",
        due=now + datetime.timedelta(days=42),
        earliest=now + datetime.timedelta(days=35),
        latest=now + datetime.timedelta(days=56),
        category="physical",
        owner=p.clinician,
        rationale="Window period after the assault of last week",
    )
    Activity.objects.filter(pk=generated.pk).update(
        origin_visit=chart["visit"],
        origin_screening=chart["result"].session,
        protocol_id="sa-followup-v1",
        protocol_version="1.2.0",
        protocol_activity="hiv-retest-6w",
    )
    CarePlan.objects.filter(pk=plan.pk).update(
        batches=[
            {
                "protocol": "sa-followup-v1",
                "version": "1.2.0",
                "at": now.isoformat(),
                "visit": chart["visit"].pk,
                "added": 1,
            }
        ]
    )
    manual = careplans.activity_add(
        plan=plan,
        actor=p.clinician,
        code="counseling",
        title="Counselling with Dana at the women's centre",
        due=now + datetime.timedelta(days=7),
        category="mental",
    )
    careplans.activity_status_set(
        activity=manual, actor=p.clinician, status="missed", note="Her partner was at home"
    )
    return {"plan": plan, "generated": generated, "manual": manual}


@pytest.fixture
def referral(personas, chart):
    """A referral to an emergency shelter, sent with consent and accepted by the partner."""
    p = personas
    referral_helpers.advocate_on_team(p)
    referral_helpers.safe_sms(p)
    service = referral_helpers.shelter(p, needs=[taxonomy.NEEDS_BY_CODE["emergency-shelter"].id])
    draft = referral_helpers.draft(
        p, service=service, actor=p.colleague, origin="visit", encounter=chart["visit"]
    )
    referring.referral_share_set(
        actor=p.colleague,
        referral=draft,
        items=["first_name", "safe_contact", "message"],
        message="She prefers to be called after six",
    )
    referral_helpers.consent(p, draft)
    referring.referral_send(actor=p.colleague, referral=draft)
    draft.refresh_from_db()
    referring.referral_status_set(
        actor=None, referral=draft, status="accepted", by_partner=True, note="Bed 4 tonight"
    )
    draft.refresh_from_db()
    return draft


@pytest.mark.parametrize("name", TYPES)
def test_each_type_round_trips_with_restricted_sdv_labels(fhir, plan, referral, name):
    token = fhir.token()
    found = entries(fhir.get(f"/fhir/{name}?patient={referral.patient_id}", token))
    assert len(found) == 1
    for resource in found:
        assert resource["resourceType"] == name
        assert labels_of(resource) >= SECURITY
        again = fhir.get(f"/fhir/{name}/{resource['id']}", token)
        assert again.status_code == 200
        assert again.json() == resource
        assert entries(fhir.get(f"/fhir/{name}?_id={resource['id']}", token)) == [resource]


def test_care_plan_activities_carry_code_status_window_owner_reason_and_protocol(fhir, plan, chart):
    care_plan = fhir.get(f"/fhir/CarePlan/{plan['plan'].pk}").json()
    assert (care_plan["status"], care_plan["intent"]) == ("active", "plan")
    assert care_plan["instantiatesCanonical"] == [
        "http://testserver/fhir/PlanDefinition/sa-followup-v1|1.2.0"
    ]
    assert "sa-followup-v1 version 1.2.0" in care_plan["note"][0]["text"]
    counseling, retest = (a["detail"] for a in care_plan["activity"])  # by due date
    assert retest["code"]["coding"][0]["code"] == "hiv-retest"
    assert retest["status"] == "not-started"
    generated = plan["generated"]
    assert retest["scheduledPeriod"] == {
        "start": generated.earliest.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "end": generated.latest.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
    }
    assert retest["extension"][0]["valueDateTime"] == generated.due.strftime(
        "%Y-%m-%dT%H:%M:%S.000Z"
    )
    assert {r["reference"] for r in retest["reasonReference"]} == {
        f"Encounter/{chart['visit'].pk}",
        f"QuestionnaireResponse/{chart['result'].pk}",
    }
    assert retest["instantiatesCanonical"] == [
        "http://testserver/fhir/PlanDefinition/sa-followup-v1|1.2.0"
    ]
    assert counseling["status"] == "stopped"
    assert counseling["statusReason"]["text"] == "missed"
    assert "performer" not in counseling
    # A mental-health activity labels the plan BH as well.
    assert (ACT_CODE, "BH") in labels_of(care_plan)


def test_care_plan_never_carries_titles_rationales_or_notes(fhir, plan):
    body = fhir.get(f"/fhir/CarePlan?patient={plan['plan'].patient_id}").content.decode()
    for sealed in ("HIV test six weeks", "Window period", "Dana", "partner was at home"):
        assert sealed not in body


def test_activity_owner_is_the_performer(fhir, plan, personas):
    care_plan = fhir.get(f"/fhir/CarePlan/{plan['plan'].pk}").json()
    retest = care_plan["activity"][1]["detail"]
    assert retest["performer"] == [{"display": str(personas.clinician)}]


def test_service_request_names_need_service_requester_and_shared_item_kinds(
    fhir, referral, chart, personas
):
    request = fhir.get(f"/fhir/ServiceRequest/{referral.pk}").json()
    assert request["status"] == "active"
    assert request["intent"] == "order"
    categories = {c["code"] for c in request["category"][0]["coding"]}
    assert categories == {"410606002", "social-care"}
    assert request["code"]["coding"][0] == {
        "system": f"urn:uuid:{taxonomy.NEEDS_TAXONOMY.id}",
        "code": "emergency-shelter",
        "display": "Emergency shelter",
    }
    assert request["requester"] == {"display": str(personas.colleague)}
    (performer,) = request["performer"]
    assert set(performer) == {"display", "identifier"}
    assert performer["display"].startswith("Emergency beds (Harbor House")
    assert performer["identifier"]["value"] == f"urn:uuid:{referral.service.hsds_id}"
    assert request["reasonReference"] == [{"reference": f"Encounter/{chart['visit'].pk}"}]
    shared = [d["coding"][0]["code"] for d in request["orderDetail"]]
    assert shared == ["first_name", "safe_contact", "message"]
    body = json.dumps(request)
    assert "called after six" not in body  # the message itself stays sealed
    assert "555-0199" not in body
    assert "Rosa" not in body


def test_a_draft_shares_nothing(fhir, personas):
    referral_helpers.advocate_on_team(personas)
    draft = referral_helpers.draft(personas, actor=personas.colleague)
    request = fhir.get(f"/fhir/ServiceRequest/{draft.pk}").json()
    assert request["status"] == "draft"
    assert "orderDetail" not in request
    task = fhir.get(f"/fhir/Task/{draft.pk}").json()
    assert task["status"] == "draft"


@pytest.mark.parametrize(
    ("status", "task_status", "request_status"),
    [
        ("accepted", "accepted", "active"),
        ("declined", "rejected", "revoked"),
        ("completed", "completed", "completed"),
        ("cancelled", "cancelled", "revoked"),
    ],
)
def test_task_follows_the_closed_loop(fhir, personas, status, task_status, request_status):
    referral, _link = referral_helpers.sent(personas)
    token = fhir.token()
    task = fhir.get(f"/fhir/Task/{referral.pk}", token).json()
    assert (task["status"], task["businessStatus"]["coding"][0]["code"]) == ("requested", "sent")
    assert "end" not in task["executionPeriod"]
    referring.referral_status_set(
        actor=None if status != "cancelled" else personas.colleague,
        referral=referral,
        status=status,
        by_partner=status != "cancelled",
    )
    task = fhir.get(f"/fhir/Task/{referral.pk}", token).json()
    assert task["status"] == task_status
    assert task["businessStatus"]["coding"][0]["code"] == status
    assert task["focus"] == {"reference": f"ServiceRequest/{referral.pk}"}
    assert task["for"] == {"reference": f"Patient/{personas.patient.pk}"}
    steps = [p["activity"]["coding"][0]["code"] for p in task["contained"]]
    assert steps == ["draft", "sent", status]
    assert [r["reference"] for r in task["relevantHistory"]] == [
        f"#{p['id']}" for p in task["contained"]
    ]
    if status != "accepted":
        assert "end" in task["executionPeriod"]
    request = fhir.get(f"/fhir/ServiceRequest/{referral.pk}", token).json()
    assert request["status"] == request_status
    assert [t["id"] for t in entries(fhir.get(f"/fhir/Task?status={task_status}", token))] == [
        str(referral.pk)
    ]


def test_partner_answers_are_attributed_and_status_notes_stay_sealed(fhir, referral):
    task = fhir.get(f"/fhir/Task/{referral.pk}").json()
    assert task["contained"][-1]["agent"][0]["who"]["display"] == (
        "the organisation, through its link"
    )
    assert "Bed 4" not in json.dumps(task)


def test_task_include_focus_brings_the_service_request(fhir, referral):
    response = fhir.get("/fhir/Task?_include=Task:focus&_include=Task:patient")
    included = {(r["resourceType"], r["id"]) for r in entries(response, "include")}
    assert included == {
        ("ServiceRequest", str(referral.pk)),
        ("Patient", str(referral.patient_id)),
    }


def test_service_request_based_on_the_care_plan_activity(fhir, personas, plan):
    referral_helpers.advocate_on_team(personas)
    draft = referral_helpers.draft(
        personas, actor=personas.colleague, origin="care_plan", activity_id=plan["manual"].pk
    )
    response = fhir.get(f"/fhir/ServiceRequest?_id={draft.pk}&_include=ServiceRequest:based-on")
    (request,) = entries(response)
    assert request["basedOn"] == [{"reference": f"CarePlan/{plan['plan'].pk}"}]
    assert [r["id"] for r in entries(response, "include")] == [str(plan["plan"].pk)]


@pytest.mark.parametrize("name", TYPES)
def test_each_type_needs_its_own_scope(fhir, plan, referral, name):
    other = "Task" if name != "Task" else "CarePlan"
    refused = fhir.get(f"/fhir/{name}", fhir.token(f"system/{other}.rs"))
    assert refused.status_code == 403
    assert refused.json()["resourceType"] == "OperationOutcome"
    allowed = fhir.get(f"/fhir/{name}", fhir.token(f"system/{name}.rs"))
    assert len(entries(allowed)) == 1


@pytest.mark.parametrize("name", TYPES)
def test_consent_decides_visibility_and_every_read_is_audited(fhir, plan, referral, personas, name):
    token = fhir.token()
    (found,) = entries(fhir.get(f"/fhir/{name}", token))
    fhir.get(f"/fhir/{name}/{found['id']}", token)
    assert AuditEvent.objects.filter(
        action="read",
        patient_id=personas.patient.pk,
        actor_label=fhir.client.get_username(),
        detail=f"FHIR read {name}",
    ).exists()
    assert AuditEvent.objects.filter(
        action="read", patient_id=personas.patient.pk, detail=f"FHIR search {name}"
    ).exists()
    share_with_ehr(personas, status="withdrawn")
    assert fhir.get(f"/fhir/{name}/{found['id']}", token).status_code == 404
    assert entries(fhir.get(f"/fhir/{name}", token)) == []


def test_other_patients_plans_and_referrals_stay_hidden(fhir, personas, plan, referral):
    no_consent = make_patient(actor=personas.clinician, clinic=personas.clinic)
    hidden = careplans.careplan_for(patient=no_consent)
    token = fhir.token()
    assert fhir.get(f"/fhir/CarePlan/{hidden.pk}", token).status_code == 404
    assert [c["id"] for c in entries(fhir.get("/fhir/CarePlan", token))] == [str(plan["plan"].pk)]


def test_last_updated_follows_status_changes(fhir, plan, referral):
    token = fhir.token()
    later = (timezone.now() + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for name in TYPES:
        assert entries(fhir.get(f"/fhir/{name}?_lastUpdated=gt2000-01-01", token))
        assert not entries(fhir.get(f"/fhir/{name}?_lastUpdated=gt{later}", token))


def test_date_search_finds_plans_and_referrals_by_the_day_they_were_made(fhir, plan, referral):
    from lantern.referrals.models import Referral

    made = datetime.datetime(2025, 3, 14, 10, 0, tzinfo=datetime.UTC)
    CarePlan.objects.filter(pk=plan["plan"].pk).update(created_at=made)
    Referral.objects.filter(pk=referral.pk).update(created_at=made)
    token = fhir.token()
    searches = {
        "CarePlan": ["date"],
        "ServiceRequest": ["date", "authored"],
        "Task": ["date", "authored-on"],
    }
    for name, params in searches.items():
        for param in params:
            assert entries(fhir.get(f"/fhir/{name}?{param}=2025-03-14", token)), (name, param)
            assert entries(fhir.get(f"/fhir/{name}?{param}=ge2025-03&{param}=lt2025-04", token))
            assert not entries(fhir.get(f"/fhir/{name}?{param}=2025-03-15", token)), (name, param)
            assert not entries(fhir.get(f"/fhir/{name}?{param}=gt2025-03-14T11:00:00Z", token))
    statement = fhir.http.get("/fhir/metadata").json()
    resources = {r["type"]: r for r in statement["rest"][0]["resource"]}
    for name, params in searches.items():
        offered = {p["name"] for p in resources[name]["searchParam"]}
        assert set(params) <= offered, name


def test_paging_over_referrals(fhir, personas):
    referral_helpers.advocate_on_team(personas)
    made = {str(referral_helpers.draft(personas, actor=personas.colleague).pk) for _ in range(3)}
    token = fhir.token()
    first = fhir.get("/fhir/Task?_count=2", token).json()
    (next_url,) = [link["url"] for link in first["link"] if link["relation"] == "next"]
    second = fhir.get(next_url.removeprefix("http://testserver"), token).json()
    seen = [e["resource"]["id"] for body in (first, second) for e in body["entry"]]
    assert sorted(seen) == sorted(made)


def test_capability_statement_serves_the_three_types(fhir):
    statement = fhir.http.get("/fhir/metadata").json()
    resources = {r["type"]: r for r in statement["rest"][0]["resource"]}
    for name in TYPES:
        assert {"code": "read"} in resources[name]["interaction"]
        assert {"code": "search-type"} in resources[name]["interaction"]
    assert "Task:focus" in resources["Task"]["searchInclude"]
    scopes = fhir.http.get("/fhir/.well-known/smart-configuration").json()["scopes_supported"]
    assert {f"system/{name}.rs" for name in TYPES} <= set(scopes)


def test_bulk_export_includes_the_three_types_with_type_and_since(fhir, plan, referral, kick):
    token = fhir.token()
    manifest = completed(
        fhir, token, kick(fhir, "/fhir/Patient/$export?_type=CarePlan,ServiceRequest,Task", token)
    )
    files = {item["type"]: lines(fhir, token, item) for item in manifest["output"]}
    assert set(files) == set(TYPES)
    for resources in files.values():
        assert len(resources) == 1
        for resource in resources:
            validate_resource(resource)
            assert labels_of(resource) >= SECURITY
    assert files["Task"][0]["focus"]["reference"] == f"ServiceRequest/{referral.pk}"
    assert AuditEvent.objects.filter(
        action="export", patient_id=referral.patient_id, detail="FHIR bulk export (patient)"
    ).exists()
    later = (timezone.now() + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    manifest = completed(
        fhir, token, kick(fhir, f"/fhir/$export?_type=CarePlan,Task&_since={later}", token)
    )
    assert manifest["output"] == []


def _queries(fhir, token, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert fhir.get(url, token).status_code == 200
    return len(captured)


def test_a_page_costs_the_same_queries_however_many_referrals_and_activities_it_holds(
    fhir, personas, plan
):
    referral_helpers.advocate_on_team(personas)
    token = fhir.token()

    def more(count):
        for _ in range(count):
            draft = referral_helpers.draft(personas, actor=personas.colleague)
            referring.referral_status_set(
                actor=personas.colleague, referral=draft, status="cancelled"
            )
            careplans.activity_add(
                plan=plan["plan"],
                actor=personas.clinician,
                code="housing",
                title="Housing",
                due=timezone.now(),
                owner=personas.colleague,
            )

    more(1)
    few = {name: _queries(fhir, token, f"/fhir/{name}") for name in TYPES}
    more(4)
    many = {name: _queries(fhir, token, f"/fhir/{name}") for name in TYPES}
    assert many == few


def test_the_access_matrix_covers_the_new_addresses():
    from tests.test_access_matrix import MATRIX

    for name in TYPES:
        assert MATRIX[f"fhir:{name}-search"].token_only
        assert MATRIX[f"fhir:{name}-read"].token_only


def test_a_plan_generated_from_the_visit_names_its_protocol_version_and_origin(fhir, personas):
    import time_machine

    from lantern.careplans.generation import careplan_generate
    from lantern.encounters import services as visit_services
    from tests.careplans.conftest import NOW, assess

    with time_machine.travel(NOW, tick=False):
        visit = visit_services.encounter_start(
            actor=personas.clinician,
            patient=personas.patient,
            clinic=personas.clinic,
            kind="emergency",
            companion="came_alone",
            interpreter="not_needed",
        )
        assess(personas, visit)
        made = careplan_generate(patient=personas.patient, visit=visit, actor=personas.clinician)
        care_plan = fhir.get(f"/fhir/CarePlan/{made.plan.pk}").json()
    canonical = "http://testserver/fhir/PlanDefinition/sa-followup-v1|1.1.0"
    assert care_plan["instantiatesCanonical"] == [canonical]
    assert care_plan["note"][0]["time"]
    details = {a["detail"]["code"]["coding"][0]["code"]: a["detail"] for a in care_plan["activity"]}
    npep = details["hiv-npep"]
    assert npep["instantiatesCanonical"] == [canonical]
    assert npep["reasonReference"] == [{"reference": f"Encounter/{visit.pk}"}]
    assert npep["performer"] == [{"display": str(personas.clinician)}]
    assert len(care_plan["activity"]) == made.added


def test_a_referral_names_its_screening_only_once_the_results_are_released(
    fhir, referral, chart, kick
):
    from lantern.referrals.models import Referral
    from lantern.screening.models import ScreeningSession

    result = chart["result"]
    Referral.objects.filter(pk=referral.pk).update(screening_result=result)
    screening = {"reference": f"QuestionnaireResponse/{result.pk}"}
    token = fhir.token()

    def reasons():
        read = fhir.get(f"/fhir/ServiceRequest/{referral.pk}", token).json()
        manifest = completed(fhir, token, kick(fhir, "/fhir/$export?_type=ServiceRequest", token))
        (exported,) = lines(fhir, token, manifest["output"][0])
        assert exported == read
        return read["reasonReference"]

    assert screening in reasons()  # taken by staff: released
    kiosk = ScreeningSession.objects.filter(pk=result.session_id)
    kiosk.update(mode="kiosk", results_released_at=None)
    assert screening not in reasons()  # still on the tablet
    kiosk.update(results_released_at=timezone.now())
    assert screening in reasons()
