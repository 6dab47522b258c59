"""Referral services: who may do what, refusals with their reasons, and the record kept."""

from __future__ import annotations

import pytest
from django.db import connection

from lantern.audit.models import AuditEvent
from lantern.referrals import referring
from lantern.referrals.models import Referral, ReferralStatusChange
from lantern.referrals.services import service_status_set
from tests.referrals import referral_helpers as h
from tests.referrals.factories import maintainer


def test_a_referral_starts_as_a_draft_with_only_the_default_items(personas):
    referral = h.draft(personas, origin="chart")
    assert referral.status == "draft"
    assert referral.shared_items == ["first_name", "safe_contact"]
    assert referral.owner is None  # a clinician starts it; an advocate owns it
    change = ReferralStatusChange.objects.get(referral=referral)
    assert (change.to_status, change.actor) == ("draft", personas.clinician)
    assert AuditEvent.objects.filter(
        action="create", patient_id=personas.patient.pk, detail="referral started from chart"
    ).exists()


def test_an_inactive_service_is_refused_with_a_clear_message(personas):
    service = h.shelter(personas, status="inactive")
    with pytest.raises(referring.ReferralError, match=r"marked inactive.*takes no referrals"):
        h.draft(personas, service=service)
    assert not Referral.objects.exists()


def test_a_service_closed_after_the_draft_is_not_sent_and_the_refusal_is_audited(personas):
    h.advocate_on_team(personas)
    h.safe_sms(personas)
    referral = h.draft(personas)
    h.consent(personas, referral)
    service = referral.service
    service_status_set(
        actor=maintainer(service.health_system), service=service, status="temporarily closed"
    )
    referral.refresh_from_db()
    with pytest.raises(referring.ReferralError, match="temporarily closed"):
        referring.referral_send(actor=personas.colleague, referral=referral)
    assert Referral.objects.get().status == "draft"
    assert AuditEvent.objects.filter(
        outcome="denied", detail="referral send refused: ReferralError"
    ).exists()


def test_clinicians_start_referrals_but_only_advocates_send_them(personas):
    h.safe_sms(personas)
    referral = h.draft(personas)
    h.visit_consent_for(personas, referring.recipient_of(referral.service))
    with pytest.raises(referring.ReferralError, match="advocate or social worker"):
        referring.referral_send(actor=personas.clinician, referral=referral)
    h.advocate_on_team(personas)
    referring.referral_send(actor=personas.colleague, referral=referral)
    referral.refresh_from_db()
    assert (referral.status, referral.owner) == ("sent", personas.colleague)


def test_do_not_contact_means_no_safe_way_is_shared(personas):
    from lantern.patients import services as registry

    h.advocate_on_team(personas)
    h.safe_sms(personas)
    registry.contact_plan_update(
        actor=personas.clinician,
        patient=personas.patient,
        do_not_contact=True,
        notes="",
        confirmed_at=None,
    )
    referral = h.draft(personas)
    h.consent(personas, referral)
    with pytest.raises(referring.ReferralError, match="asked not to be contacted"):
        referring.referral_send(actor=personas.colleague, referral=referral)


def test_what_was_sent_stays_as_it_was_when_the_record_changes(personas):
    referral, _link = h.sent(personas, items=("first_name", "safe_contact"))
    h.safe_sms(personas, number="555-0777")
    personas.patient.preferred_name = "Ana Delgado"
    personas.patient.save()
    referral.refresh_from_db()
    assert referral.sent_content[0] == {"item": "first_name", "text": "Rosa"}
    assert referral.sent_content[1]["ways"][0]["destination"] == "555-0199"
    assert "Delgado" not in str(referral.sent_content)


def test_each_status_has_its_date_and_actor_and_closed_referrals_stay_closed(personas):
    referral, _link = h.sent(personas)
    referring.referral_status_set(actor=personas.colleague, referral=referral, status="accepted")
    referring.referral_status_set(actor=personas.colleague, referral=referral, status="completed")
    steps = list(ReferralStatusChange.objects.filter(referral=referral))
    assert [(s.from_status, s.to_status) for s in steps] == [
        ("", "draft"),
        ("draft", "sent"),
        ("sent", "accepted"),
        ("accepted", "completed"),
    ]
    assert all(step.at and step.actor for step in steps)
    with pytest.raises(referring.ReferralError, match="completed cannot become cancelled"):
        referring.referral_status_set(
            actor=personas.colleague, referral=referral, status="cancelled"
        )


def test_handoff_notes_are_sealed_at_rest(personas):
    referral = h.draft(personas)
    h.advocate_on_team(personas)
    referring.handoff_note_add(
        actor=personas.colleague, referral=referral, text="Spoke with Mara at intake"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM referrals_handoffnote")
        (raw,) = cursor.fetchone()
    assert "Mara" not in raw
    assert referral.handoff_notes.get().text == "Spoke with Mara at intake"
