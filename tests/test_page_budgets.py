"""Page budgets: each main page runs the same number of queries however much data it has to
show, and a page view writes at most one audit entry per patient it shows.

Each test measures a page at a small size (3 patients, visits, activities or entries),
grows the data to 12, and measures it again. A page whose queries grew with its data would
slow down as a clinic's records grow: at a health system's size that is the difference
between a chart that opens at once and one that does not.
"""

from __future__ import annotations

import datetime
import itertools
import re
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lantern.audit.models import Action, AuditEvent
from lantern.audit.services import audit_record
from lantern.careplans import services as plan_services
from lantern.encounters import services as visit_services
from lantern.patients import emergency
from lantern.patients import services as registry
from lantern.patients.models import Patient
from lantern.referrals import referring
from lantern.screening import services as screening
from tests.clients import stepped_up
from tests.factories import UserFactory, make_patient
from tests.referrals import referral_helpers

SMALL, LARGE = 3, 12
REASON = "Unconscious patient brought in by ambulance, needs allergy history"
PHQ9_ITEM_9 = {f"phq9-{n}": "not_at_all" for n in range(1, 9)} | {"phq9-9": "several_days"}


def measured(client: Client, url: str, data: dict[str, str] | None = None, *, post: bool = False):
    """(queries run, audit entries written, page) for one request of ``url``."""
    before = AuditEvent.objects.count()
    with CaptureQueriesContext(connection) as queries:
        response = (client.post if post else client.get)(url, data or {})
    assert response.status_code == 200
    return len(queries), AuditEvent.objects.count() - before, response.content.decode()


def same_queries_at_two_sizes(
    client: Client, url: str, grow: Callable[[int], None], **request: object
) -> tuple[int, str]:
    """Grow the data to SMALL, measure, grow to LARGE, measure: the counts must agree.

    Returns the audit entries the larger page wrote and the larger page itself."""
    grow(SMALL)
    measured(client, url, **request)  # type: ignore[arg-type]  # settle the session
    small, _, _ = measured(client, url, **request)  # type: ignore[arg-type]
    grow(LARGE - SMALL)
    large, written, page = measured(client, url, **request)  # type: ignore[arg-type]
    assert large == small, f"{url}: {small} queries with {SMALL} rows, {large} with {LARGE}"
    return written, page


def new_patients(personas, count: int, name: str = "Rosa Delgado") -> list[Patient]:
    start = Patient.objects.count()
    return [
        make_patient(actor=personas.clinician, clinic=personas.clinic, preferred_name=f"{name} {n}")
        for n in range(start, start + count)
    ]


def flag_suicide_risk(personas, patient: Patient) -> None:
    session = screening.screening_start(
        actor=personas.clinician, patient=patient, instrument_ids=["phq-9"], language="en"
    )
    screening.result_record(
        actor=personas.clinician, session=session, instrument_id="phq-9", answers=PHQ9_ITEM_9
    )


def start_visit(personas, patient: Patient):
    return visit_services.encounter_start(
        actor=personas.clinician,
        patient=patient,
        clinic=personas.clinic,
        kind="clinic",
        companion="came_alone",
        interpreter="not_needed",
    )


def add_activity(personas, patient: Patient, title: str) -> None:
    plan_services.activity_add(
        plan=plan_services.careplan_for(patient=patient),
        actor=personas.clinician,
        code="other",
        title=title,
        due=datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=2),
        owner=personas.clinician,
    )


# --- Start page and patient search: urgent flags of many patients ----------------------------


def test_the_start_page_costs_the_same_with_urgent_flags_of_many_patients(personas):
    def grow(count: int) -> None:
        for patient in new_patients(personas, count):
            flag_suicide_risk(personas, patient)

    written, page = same_queries_at_two_sizes(
        stepped_up(personas.clinician), reverse("patients:search"), grow
    )
    assert len(set(re.findall(r"Rosa Delgado \d+", page))) == LARGE
    assert written == LARGE  # one read entry for each patient named in the banner


@pytest.mark.parametrize("query", ["Rosa Delgado", "Rosa Delgadp"], ids=["common", "misspelled"])
def test_a_search_costs_the_same_however_many_patients_match(personas, query):
    def grow(count: int) -> None:
        for patient in new_patients(personas, count):
            flag_suicide_risk(personas, patient)

    written, page = same_queries_at_two_sizes(
        stepped_up(personas.clinician),
        reverse("patients:search"),
        grow,
        data={"q": query},
        post=True,
    )
    assert f"{LARGE + 1} patients found" in page
    # The search itself, and one read for each patient named by an urgent flag.
    assert written == 1 + LARGE


# --- One patient's pages: chart, visit, care plan, screening, visits, access history ---------


def grow_history(personas) -> Callable[[int], None]:
    patient = personas.patient

    def grow(count: int) -> None:
        for n in range(count):
            start_visit(personas, patient)
            flag_suicide_risk(personas, patient)
            add_activity(personas, patient, f"Call back {n}")

    return grow


@pytest.mark.parametrize(
    "name", ["patients:detail", "careplans:plan", "screening:overview", "encounters:visits"]
)
def test_a_patient_page_costs_the_same_however_long_the_history(personas, name):
    url = reverse(name, args=[personas.patient.pk])
    written, _ = same_queries_at_two_sizes(
        stepped_up(personas.clinician), url, grow_history(personas)
    )
    assert written == 1


def test_the_chart_costs_the_same_however_many_team_members_and_referrals(personas, opened):
    service = referral_helpers.shelter(personas)
    referral_helpers.advocate_on_team(personas)
    numbers = itertools.count()

    def grow(count: int) -> None:
        for n in itertools.islice(numbers, count):
            member = UserFactory(clinics=[personas.clinic], display_name=f"Nurse {n}")
            registry.care_team_add(
                actor=personas.clinician, patient=personas.patient, member=member
            )
            draft = referral_helpers.draft(personas, service=service, actor=personas.colleague)
            referring.referral_share_set(
                actor=personas.colleague,
                referral=draft,
                items=["first_name", "message"],
                message=f"Call after six, note {n}",
            )

    opened.clear()
    written, page = same_queries_at_two_sizes(
        stepped_up(personas.clinician),
        reverse("patients:detail", args=[personas.patient.pk]),
        grow,
    )
    assert len(set(re.findall(r"Nurse \d+", page))) == LARGE
    assert page.count("Emergency beds") == LARGE
    assert written == 1
    # The list names each service: a referral's message, recipient and what was sent stay
    # sealed.
    assert not opened & {"referrals.referral.message", "referrals.referral.sent_content"}


def test_the_care_plan_reads_its_owners_once_for_every_activity(personas):
    written, page = same_queries_at_two_sizes(
        stepped_up(personas.clinician),
        reverse("careplans:plan", args=[personas.patient.pk]),
        lambda count: [add_activity(personas, personas.patient, f"Task {n}") for n in range(count)],
    )
    assert page.count("Change owner") == LARGE
    assert written == 1


def test_the_visit_page_costs_the_same_however_many_consents_and_steps(personas):
    visit = start_visit(personas, personas.patient)
    scopes = ["general_exam", "touch", "blood_draw", "disclose_referral"]

    def grow(count: int) -> None:
        for n in range(count):
            visit_services.consent_record(
                actor=personas.clinician,
                patient=personas.patient,
                encounter=visit,
                scope=scopes[n % len(scopes)],
                status="given",
                method="verbal",
                recipient=f"Org {n}",
            )
            flag_suicide_risk(personas, personas.patient)

    url = reverse("encounters:visit", args=[personas.patient.pk, visit.pk])
    written, _ = same_queries_at_two_sizes(stepped_up(personas.clinician), url, grow)
    assert written == 1


def tables_read(client: Client, url: str) -> list[str]:
    """The main table of each SELECT one request of ``url`` runs, in order."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    # The table of the first column selected, else the first table named (COUNT, EXISTS).
    first = re.compile(r'SELECT (?:DISTINCT )?"(\w+)"\.|SELECT .*? FROM "(\w+)"')
    return [
        found.group(1) or found.group(2)
        for query in queries.captured_queries
        if (found := first.match(query["sql"]))
    ]


def test_the_chart_opens_its_patient_and_reads_its_choices_once(personas):
    client = stepped_up(personas.clinician)
    url = reverse("patients:detail", args=[personas.patient.pk])
    client.get(url)
    read = tables_read(client, url)
    # Whether the clinician may open the chart, and change it, is one question.
    assert read.count("patients_patient") == 1
    # The patient's clinics as listed, and the user's own among them for the form.
    assert read.count("accounts_clinic") == 2
    # The staff who could join the care team: asked once, for the test and the list.
    assert read.count("accounts_user") == 2  # the signed-in user, and the candidates


def test_the_visit_page_reads_the_patient_and_the_assessment_once(personas):
    visit = start_visit(personas, personas.patient)
    client = stepped_up(personas.clinician)
    url = reverse("encounters:visit", args=[personas.patient.pk, visit.pk])
    client.get(url)
    read = tables_read(client, url)
    assert read.count("patients_patient") == 1
    assert read.count("encounters_followupassessment") == 1


def test_the_access_history_costs_the_same_however_long_the_trail(personas):
    def grow(count: int) -> None:
        for n in range(count):
            audit_record(
                action=Action.READ, actor=personas.clinician, patient_id=personas.patient.pk
            )
            audit_record(action=Action.LOGIN, actor=personas.manager, detail=f"n{n}")

    url = reverse("patients:access_history", args=[personas.patient.pk])
    written, _ = same_queries_at_two_sizes(stepped_up(personas.auditor), url, grow)
    assert written == 1


# --- Privacy officer's lists -----------------------------------------------------------------


def test_the_audit_report_costs_the_same_however_long_the_trail(personas):
    def grow(count: int) -> None:
        for n in range(count * 20):
            audit_record(action=Action.LOGIN, actor=personas.manager, detail=f"n{n}")

    written, _ = same_queries_at_two_sizes(
        stepped_up(personas.auditor), reverse("audit:report"), grow
    )
    assert written == 1


def test_the_emergency_review_list_writes_one_entry_per_patient_in_one_go(personas):
    def grow(count: int) -> None:
        for patient in new_patients(personas, count):
            search = emergency.emergency_search_start(actor=personas.colleague, reason=REASON)
            emergency.emergency_access_open(actor=personas.colleague, grant=search, patient=patient)

    written, page = same_queries_at_two_sizes(
        stepped_up(personas.auditor), reverse("patients:emergency_reviews"), grow
    )
    assert len(set(re.findall(r"Rosa Delgado \d+", page))) == LARGE
    assert written == LARGE


def test_an_emergency_search_writes_one_entry_per_patient_shown_in_one_go(personas):
    outside = personas.colleague  # same clinic, on none of these patients' care teams
    client = stepped_up(outside)

    def grow(count: int) -> None:
        new_patients(personas, count, name="Marta Quispe")

    grow(SMALL)
    grant = emergency.emergency_search_start(actor=outside, reason=REASON)
    url = reverse("patients:emergency_search", args=[grant.pk])
    measured(client, url, {"q": "Marta Quispe"}, post=True)
    small, written_small, _ = measured(client, url, {"q": "Marta Quispe"}, post=True)
    grow(6)  # the emergency search shows at most ten
    large, written, page = measured(client, url, {"q": "Marta Quispe"}, post=True)
    assert page.count("Marta Quispe ") >= SMALL + 6
    assert large == small
    assert (written_small, written) == (1 + SMALL, 1 + SMALL + 6)
