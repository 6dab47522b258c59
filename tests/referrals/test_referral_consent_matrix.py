"""No referral leaves without its consent: every content item x every consent state.

A referral is sent only when the patient's current consent to share with the service's
organisation covers every item chosen. Every other cell is refused: nothing is disclosed, no
partner link exists, the referral stays a draft, and the refusal is audited.
"""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone

from lantern.audit.models import AuditEvent
from lantern.encounters import services as visit_services
from lantern.encounters.models import Disclosure
from lantern.referrals import referring, sharing
from lantern.referrals.models import PartnerLink
from tests.referrals import referral_helpers as h

ITEMS = [*sharing.ALL_ITEMS, "defaults"]
STATES = (
    "given",  # given for this organisation, naming exactly the items chosen
    "given_other_items",  # given for this organisation, naming other items only
    "given_on_visit_page",  # given for this organisation without naming items
    "given_other_recipient",
    "declined",
    "deferred",
    "withdrawn",
    "expired",
    "missing",
)


def chosen(item: str) -> list[str]:
    return list(sharing.DEFAULT_ITEMS) if item == "defaults" else [item]


def expected_sent(item: str, state: str) -> bool:
    if state == "given":
        return True
    if state == "given_on_visit_page":
        return set(chosen(item)) <= set(sharing.DEFAULT_ITEMS)
    return False


def record_state(p, referral, state: str, item: str) -> None:
    organisation = referring.recipient_of(referral.service)
    if state == "given":
        h.consent(p, referral)
    elif state == "given_other_items":
        others = [other for other in sharing.ALL_ITEMS if other not in chosen(item)]
        h.consent(p, referral, items=others[:1])
    elif state == "given_on_visit_page":
        h.visit_consent_for(p, organisation)
    elif state == "given_other_recipient":
        h.visit_consent_for(p, "Another Place (fictional)")
    elif state in ("declined", "deferred"):
        h.consent(p, referral, status=state)
    elif state == "withdrawn":
        record = h.consent(p, referral)
        visit_services.consent_withdraw(actor=p.colleague, record=record)
    elif state == "expired":
        h.consent(p, referral, expires_at=timezone.now() + datetime.timedelta(hours=1))


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("item", ITEMS)
def test_a_referral_is_sent_only_with_consent_for_every_item(personas, item, state):
    p = personas
    h.advocate_on_team(p)
    h.safe_sms(p)
    p.patient.legal_name, p.patient.pronouns = "Rosa María Delgado", "she/her"
    p.patient.save()
    referral = h.draft(p)
    message = "Arriving Tuesday" if item == sharing.ShareItem.MESSAGE else ""
    referring.referral_share_set(
        actor=p.colleague, referral=referral, items=chosen(item), message=message
    )
    record_state(p, referral, state, item)
    later = timezone.now() + (
        datetime.timedelta(hours=2) if state == "expired" else datetime.timedelta()
    )
    with time_machine.travel(later):
        if expected_sent(item, state):
            link = referring.referral_send(actor=p.colleague, referral=referral)
            referral.refresh_from_db()
            assert referral.status == "sent"
            assert [entry["item"] for entry in referral.sent_content] == chosen(item)
            assert link.token
            assert len(link.code) == 6
            disclosure = Disclosure.objects.get(patient=p.patient)
            assert disclosure.kind == "referral"
            assert disclosure.recipient == "Harbor House (fictional)"
            assert AuditEvent.objects.filter(
                action="disclose", outcome="success", patient_id=p.patient.pk
            ).exists()
        else:
            with pytest.raises(
                referring.ReferralError
                if state in ("given_other_items", "given_on_visit_page")
                else visit_services.ConsentRequired
            ):
                referring.referral_send(actor=p.colleague, referral=referral)
            referral.refresh_from_db()
            assert referral.status == "draft"
            assert referral.sent_content == []
            assert not Disclosure.objects.filter(patient=p.patient).exists()
            assert not PartnerLink.objects.filter(referral=referral).exists()
            assert (
                AuditEvent.objects.filter(
                    action="disclose",
                    outcome="denied",
                    patient_id=p.patient.pk,
                    detail__startswith="referral send refused",
                ).count()
                == 1
            )
