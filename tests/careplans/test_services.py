"""The care-plan services other apps call: one plan per patient, activities, statuses."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from lantern.audit.models import AuditEvent
from lantern.careplans import services
from lantern.careplans.models import Activity, CarePlan

pytestmark = pytest.mark.django_db

SOON = timezone.now() + datetime.timedelta(days=3)


def test_a_patient_has_one_plan(personas):
    first = services.careplan_for(patient=personas.patient)
    assert services.careplan_for(patient=personas.patient) == first
    assert CarePlan.objects.filter(patient=personas.patient).count() == 1


def test_an_added_activity_is_planned_owned_and_audited(personas):
    plan = services.careplan_for(patient=personas.patient)
    activity = services.activity_add(
        plan=plan,
        actor=personas.clinician,
        code="housing",
        title="Safe housing application",
        due=SOON,
        category="social",
        owner=personas.colleague,
    )
    activity.refresh_from_db()
    assert (activity.status, activity.owner, activity.title) == (
        "planned",
        personas.colleague,
        "Safe housing application",
    )
    assert AuditEvent.objects.filter(
        action="create", patient_id=personas.patient.pk, object_id=str(activity.pk)
    ).exists()


def test_an_activity_without_a_title_or_with_dates_out_of_order_is_refused(personas):
    plan = services.careplan_for(patient=personas.patient)
    with pytest.raises(services.CarePlanError, match="title"):
        services.activity_add(plan=plan, actor=personas.clinician, code="x", title=" ", due=SOON)
    with pytest.raises(services.CarePlanError, match="latest"):
        services.activity_add(
            plan=plan,
            actor=personas.clinician,
            code="x",
            title="Legal advice",
            due=SOON,
            latest=SOON - datetime.timedelta(days=1),
        )
    assert not Activity.objects.exists()


def test_a_status_change_keeps_who_when_from_and_to(personas):
    plan = services.careplan_for(patient=personas.patient)
    activity = services.activity_add(
        plan=plan, actor=personas.clinician, code="counseling", title="Counseling", due=SOON
    )
    services.activity_status_set(
        activity=activity, actor=personas.colleague, status="declined", note="Not now"
    )
    change = activity.changes.get()
    assert (change.changed_by, change.from_status, change.to_status, change.note) == (
        personas.colleague,
        "planned",
        "declined",
        "Not now",
    )
    assert change.changed_at is not None


def test_an_appointment_schedules_a_planned_activity(personas):
    plan = services.careplan_for(patient=personas.patient)
    activity = services.activity_add(
        plan=plan, actor=personas.clinician, code="legal", title="Legal clinic", due=SOON
    )
    services.appointment_add(
        activity=activity, actor=personas.clinician, starts_at=SOON, place="Room 4"
    )
    activity.refresh_from_db()
    assert activity.status == "scheduled"
    assert activity.appointments.get().place == "Room 4"


def test_closing_by_external_reference_closes_only_open_linked_activities(personas):
    plan = services.careplan_for(patient=personas.patient)

    def add(ref):
        return services.activity_add(
            plan=plan,
            actor=personas.clinician,
            code="referral",
            title="Shelter",
            due=SOON,
            external_ref=ref,
        )

    linked, other, done = add("referral:abc"), add("referral:xyz"), add("referral:abc")
    services.activity_status_set(activity=done, actor=personas.clinician, status="cancelled")
    closed = services.activity_close_for(
        patient=personas.patient, external_ref="referral:abc", actor=personas.clinician
    )
    assert closed == 1
    statuses = {a.pk: a.status for a in Activity.objects.all()}
    assert statuses == {linked.pk: "done", other.pk: "planned", done.pk: "cancelled"}


def test_open_due_between_and_visible_to(personas):
    plan = services.careplan_for(patient=personas.patient)
    now = timezone.now()
    today = services.activity_add(plan=plan, actor=personas.clinician, code="a", title="A", due=now)
    services.activity_add(
        plan=plan,
        actor=personas.clinician,
        code="b",
        title="B",
        due=now + datetime.timedelta(days=9),
    )
    window = Activity.objects.open().due_between(
        now - datetime.timedelta(hours=1), now + datetime.timedelta(days=1)
    )
    assert list(window) == [today]
    assert Activity.objects.visible_to(personas.clinician).count() == 2
    assert Activity.objects.visible_to(personas.colleague).count() == 0
    assert Activity.objects.visible_to(personas.outsider).count() == 0
