"""Referral test data, made through the services staff use."""

from __future__ import annotations

from lantern.encounters import services as visit_services
from lantern.patients import services as registry
from lantern.referrals import referring
from lantern.referrals.models import Referral, Service
from tests.referrals.factories import make_organization, make_service


def advocate_on_team(p):
    """The colleague (an advocate) joins the planted patient's care team."""
    registry.care_team_add(actor=p.clinician, patient=p.patient, member=p.colleague)
    return p.colleague


def safe_sms(p, number="555-0199", code_word=""):
    return registry.contact_channel_update(
        actor=p.clinician,
        patient=p.patient,
        channel="sms",
        values={
            "safety": "safe",
            "destination": number,
            "time_windows": [{"days": [0, 1, 2, 3, 4], "start": "09:00", "end": "17:00"}],
            "voicemail_allowed": False,
            "code_word": code_word,
            "approved_wording": "",
            "confirmed_at": None,
        },
    )


def shelter(p, name="Harbor House (fictional)", **values) -> Service:
    organization = make_organization(p.clinic.health_system, name)
    return make_service(
        p.clinic.health_system, "Emergency beds", organization=organization, **values
    )


def draft(p, service: Service | None = None, actor=None, **kwargs) -> Referral:
    return referring.referral_start(
        actor=actor or p.clinician,
        patient=p.patient,
        clinic=p.clinic,
        service=service or shelter(p),
        **kwargs,
    )


def consent(p, referral, status="given", items=None, actor=None, **kwargs):
    return referring.referral_consent_record(
        actor=actor or p.colleague,
        referral=referral,
        status=status,
        method="verbal",
        items=referral.shared_items if items is None else items,
        **kwargs,
    )


def sent(p, items=("first_name", "safe_contact"), message=""):
    """A referral the advocate sent with the patient's consent; returns (referral, link)."""
    if not p.patient.care_team.filter(user=p.colleague).exists():
        advocate_on_team(p)
    if not p.patient.contact_channels.filter(safety="safe").exists():
        safe_sms(p)
    referral = draft(p)
    referring.referral_share_set(actor=p.colleague, referral=referral, items=items, message=message)
    consent(p, referral)
    link = referring.referral_send(actor=p.colleague, referral=referral)
    referral.refresh_from_db()
    return referral, link


def visit_consent_for(p, recipient, status="given"):
    """A consent to share with ``recipient`` recorded on the visit page (naming no items)."""
    return visit_services.consent_record(
        actor=p.clinician,
        patient=p.patient,
        encounter=None,
        scope="disclose_referral",
        status=status,
        method="verbal",
        recipient=recipient,
    )
