"""Referrals on the care plan: waiting, followed up when unanswered, closed when completed."""

from __future__ import annotations

import datetime

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from lantern.careplans import services as careplans
from lantern.careplans.models import Activity
from lantern.referrals import referring
from lantern.referrals.models import ReferralSettings
from tests.referrals import referral_helpers as h


def test_a_sent_referral_waits_on_the_care_plan(personas):
    referral, _link = h.sent(personas)
    activity = Activity.objects.get(external_ref=f"referral:{referral.pk}")
    assert activity.status == "planned"
    assert activity.due.date() == (referral.status_at + datetime.timedelta(days=7)).date()


def test_no_answer_within_the_clinics_period_adds_a_follow_up(personas):
    ReferralSettings.objects.create(clinic=personas.clinic, answer_days=3)
    referral, _link = h.sent(personas)
    referral.status_at = timezone.now() - datetime.timedelta(days=2)
    referral.save()
    call_command("referrals", "follow-up")
    assert not Activity.objects.filter(code="referral_follow_up").exists()
    referral.status_at = timezone.now() - datetime.timedelta(days=4)
    referral.save()
    call_command("referrals", "follow-up")
    call_command("referrals", "follow-up")  # once per referral
    follow_up = Activity.objects.get(code="referral_follow_up")
    assert follow_up.external_ref == f"referral:{referral.pk}"
    assert follow_up.owner == personas.colleague


def test_an_answered_referral_gets_no_follow_up(personas):
    referral, _link = h.sent(personas)
    referring.referral_status_set(actor=personas.colleague, referral=referral, status="declined")
    referral.status_at = timezone.now() - datetime.timedelta(days=30)
    referral.save()
    call_command("referrals", "follow-up")
    assert not Activity.objects.filter(code="referral_follow_up").exists()


def test_completed_closes_the_activity_it_was_started_from_and_what_waits_for_it(
    personas, client_for
):
    h.advocate_on_team(personas)
    h.safe_sms(personas)
    plan = careplans.careplan_for(patient=personas.patient)
    need = careplans.activity_add(
        plan=plan,
        actor=personas.clinician,
        code="housing",
        title="Find a safe place to stay",
        due=timezone.now() + datetime.timedelta(days=3),
        category="social",
    )
    service = h.shelter(personas)
    client_for(personas.clinician).post(
        reverse("referrals:referral_start", args=[personas.patient.pk]) + f"?activity={need.pk}",
        {"service": str(service.hsds_id), "activity": str(need.pk)},
    )
    referral = personas.patient.referrals.get()
    assert (referral.origin, referral.activity_id) == ("care_plan", need.pk)
    h.consent(personas, referral)
    link = referring.referral_send(actor=personas.colleague, referral=referral)
    client = client_for(None)
    url = reverse("referrals:partner", args=[link.token])
    client.post(url, {"code": link.code, "status": "completed"})
    need.refresh_from_db()
    assert need.status == "done"
    waiting = Activity.objects.get(external_ref=f"referral:{referral.pk}")
    assert waiting.status == "done"


def _plan_page(client, personas) -> str:
    import html

    response = client.get(reverse("careplans:plan", args=[personas.patient.pk]))
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def _refer_link(personas, activity) -> str:
    start = reverse("referrals:referral_start", args=[personas.patient.pk])
    return f'href="{start}?activity={activity.pk}"'


def test_the_care_plan_offers_a_referral_for_each_open_need_a_service_could_serve(
    personas, client_for
):
    from lantern.patients import emergency

    plan = careplans.careplan_for(patient=personas.patient)
    due = timezone.now() + datetime.timedelta(days=3)

    def add(code, title, category, **values):
        return careplans.activity_add(
            plan=plan,
            actor=personas.clinician,
            code=code,
            title=title,
            due=due,
            category=category,
            **values,
        )

    housing = add("housing", "Find a safe place to stay", "social")
    counseling = add("counseling", "Trauma-focused counseling", "mental")
    medication = add("medication", "Refill of inhaler", "physical")
    rescreen = add("mental-health-rescreen", "Re-screen in two weeks", "mental")
    waiting = add("referral_waiting", "Referral sent", "social", external_ref="referral:x")
    done = add("legal", "Talk to an immigration lawyer", "practical")
    careplans.activity_status_set(activity=done, actor=personas.clinician, status="done")

    page = _plan_page(client_for(personas.clinician), personas)
    assert _refer_link(personas, housing) in page
    assert _refer_link(personas, counseling) in page
    assert 'Refer to a service<span class="visually-hidden"> (Find a safe place to stay)' in page
    for not_for_a_service in (medication, rescreen, waiting, done):
        assert _refer_link(personas, not_for_a_service) not in page
    start = client_for(personas.clinician).get(
        reverse("referrals:referral_start", args=[personas.patient.pk]) + f"?activity={housing.pk}"
    )
    assert "Started from: Care plan · Find a safe place to stay" in start.content.decode()

    # Emergency access reads the plan but may not start a referral: no link is offered.
    search = emergency.emergency_search_start(
        actor=personas.colleague, reason="Unconscious patient, needs the follow-up plan"
    )
    emergency.emergency_access_open(
        actor=personas.colleague, grant=search, patient=personas.patient
    )
    read_only = _plan_page(client_for(personas.colleague), personas)
    assert "Find a safe place to stay" in read_only
    assert "Refer to a service" not in read_only
