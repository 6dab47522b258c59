"""Generating the plan from a visit: the visit's facts, the registry's age and sex, and the
positive screens; recorded with protocol and origin; never duplicated, never rewritten."""

from __future__ import annotations

import datetime

import pytest

from lantern.audit.models import AuditEvent
from lantern.careplans import protocols
from lantern.careplans.generation import careplan_generate
from lantern.careplans.models import Activity, ClinicProtocol
from lantern.careplans.services import CarePlanError
from lantern.screening import services as screening_services
from tests.careplans.conftest import EXPOSURE, assess

pytestmark = pytest.mark.django_db


def generate(personas, visit):
    return careplan_generate(patient=personas.patient, visit=visit, actor=personas.clinician)


def codes(personas):
    return sorted(
        Activity.objects.filter(plan__patient=personas.patient).values_list("code", flat=True)
    )


def test_a_plan_needs_the_assessment_first(personas, visit):
    with pytest.raises(CarePlanError, match="follow-up assessment"):
        generate(personas, visit)


def test_the_plan_follows_the_visit_and_records_protocol_and_origin(personas, visit):
    assess(personas, visit)
    made = generate(personas, visit)
    assert (made.protocol.id, made.protocol.version) == ("sa-followup-v1", "1.1.0")
    npep = Activity.objects.get(code="hiv-npep")
    assert npep.urgent
    assert npep.latest == EXPOSURE + datetime.timedelta(hours=72)
    assert (npep.protocol_id, npep.protocol_version, npep.protocol_activity) == (
        "sa-followup-v1",
        "1.1.0",
        "hiv-npep",
    )
    assert npep.origin_visit == visit
    assert npep.owner == personas.clinician
    # The registry says female, 28: EC, pregnancy test, annual gynecological exam.
    assert {"emergency-contraception", "pregnancy-test", "annual-gyn-exam"} <= set(codes(personas))
    assert made.plan.batches[-1]["protocol"] == "sa-followup-v1"
    assert AuditEvent.objects.filter(
        action="create",
        patient_id=personas.patient.pk,
        category="sdv",
        detail__startswith="generated",
    ).exists()


def test_regenerating_never_duplicates(personas, visit):
    assess(personas, visit)
    first = generate(personas, visit)
    again = generate(personas, visit)
    assert again.added == 0
    assert again.kept == first.added
    assert Activity.objects.count() == first.added


def test_signs_of_an_sti_seen_at_the_visit_bring_the_followup_exam_forward(personas, visit):
    assess(personas, visit, discharge=True, prophylaxis_given=True)
    generate(personas, visit)
    exam = Activity.objects.get(code="followup-exam")
    assert exam.protocol_activity == "followup-exam-sti-signs"
    assessed = visit.follow_up_assessment.assessed_at
    assert exam.due == assessed + datetime.timedelta(days=7)
    assert "even if prophylaxis was given" in exam.rationale


def test_without_signs_the_followup_exam_is_one_to_two_weeks_after_the_exposure(personas, visit):
    assess(personas, visit)
    generate(personas, visit)
    exam = Activity.objects.get(code="followup-exam")
    assert exam.protocol_activity == "followup-exam"
    assert (exam.due, exam.latest) == (
        EXPOSURE + datetime.timedelta(days=7),
        EXPOSURE + datetime.timedelta(days=14),
    )


def test_a_male_patient_gets_no_contraception_or_pregnancy_test(personas, visit):
    personas.patient.sex_at_birth = "male"
    personas.patient.save()
    assess(personas, visit, pregnancy="unknown")
    generate(personas, visit)
    found = set(codes(personas))
    assert "emergency-contraception" not in found
    assert "pregnancy-test" not in found
    assert "hiv-npep" in found


def test_a_positive_screen_adds_a_mental_health_rescreen_linked_to_its_screening(personas, visit):
    session = screening_services.screening_start(
        actor=personas.clinician,
        patient=personas.patient,
        instrument_ids=["phq-9"],
        language="en",
        mode="clinician",
    )
    answers = {f"phq9-{n}": "2" for n in range(1, 10)} | {"phq9-9": "0"}
    screening_services.result_record(
        actor=personas.clinician, session=session, instrument_id="phq-9", answers=answers
    )
    assess(personas, visit)
    generate(personas, visit)
    rescreen = Activity.objects.get(code="mental-health-rescreen")
    assert rescreen.origin_screening_id == session.pk
    assert rescreen.category == "mental"
    # One plan: physical and mental health side by side.
    assert Activity.objects.filter(plan=rescreen.plan, category="physical").exists()


def test_a_dose_given_at_the_visit_is_the_first_of_the_series(personas, visit):
    assess(personas, visit, hbv_dose_given=True)
    generate(personas, visit)
    doses = Activity.objects.filter(code="hbv-vaccine-dose").order_by("due")
    assert [(d.protocol_activity, d.status) for d in doses] == [
        ("hbv-series-1", "done"),
        ("hbv-series-2", "planned"),
        ("hbv-series-3", "planned"),
    ]
    given = doses[0].changes.get()
    assert (given.changed_by, given.note) == (personas.clinician, "given at the visit")
    # Dose 2 counts from the dose given at the visit (1-2 months after dose 1).
    assert doses[1].earliest >= doses[0].due + datetime.timedelta(weeks=4)
    again = generate(personas, visit)
    assert again.added == 0
    assert Activity.objects.filter(code="hbv-vaccine-dose").count() == 3


def test_a_newer_protocol_version_never_rewrites_existing_activities(personas, visit, clock):
    assess(personas, visit)
    generate(personas, visit)
    exam = Activity.objects.get(code="followup-exam")
    before = (exam.due, exam.title, exam.protocol_version)
    # The clinic publishes its own version with a different follow-up exam.
    original = protocols.get_protocol("sa-followup-v1")
    copy = protocols.copy_protocol(original, id="riverside-followup", version="2.0.0")
    data = protocols.dump_protocol(copy)
    for rule in data["rules"]:
        for activity in rule["activities"]:
            if activity["id"] == "followup-exam":
                activity["title"] = "Riverside follow-up exam"
    ClinicProtocol.objects.create(
        clinic=personas.clinic,
        protocol_id="riverside-followup",
        version="2.0.0",
        data=data,
        status="published",
        created_by=personas.clinician,
    )
    made = generate(personas, visit)
    exam.refresh_from_db()
    assert (exam.due, exam.title, exam.protocol_version) == before
    assert made.protocol.version == "2.0.0"
    assert Activity.objects.filter(protocol_activity="followup-exam").count() == 1


def test_an_unknown_age_is_refused_with_what_is_missing(personas, visit):
    personas.patient.set_age("unknown", None, None, visit.started_at.date())
    personas.patient.save()
    assess(personas, visit)
    with pytest.raises(CarePlanError, match="age"):
        generate(personas, visit)
