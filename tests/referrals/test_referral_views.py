"""Referral pages as staff and partners use them."""

from __future__ import annotations

import datetime
import re

import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lantern.audit.models import AuditEvent
from lantern.referrals.models import PartnerLink, ReferralStatusChange
from tests.clients import signed_in
from tests.referrals import referral_helpers as h


def partner_url(link):
    return reverse("referrals:partner", args=[link.token])


def test_the_partner_sees_only_what_was_shared_and_the_look_is_audited(personas):
    personas.patient.legal_name = "Rosa María Delgado Ruiz"
    personas.patient.save()
    _referral, link = h.sent(personas)
    page = Client().get(partner_url(link)).content.decode()
    assert "Rosa" in page
    assert "555-0199" in page
    assert "Delgado" not in page  # neither the rest of the preferred name nor the legal name
    assert "Sunny" not in page
    assert AuditEvent.objects.filter(
        action="read",
        outcome="success",
        patient_id=personas.patient.pk,
        detail="partner link viewed",
        actor_label__startswith="partner link",
    ).exists()


def test_the_partner_answers_once_with_the_phone_code(personas):
    referral, link = h.sent(personas)
    client = Client()
    wrong = client.post(
        partner_url(link),
        {"code": "000000" if link.code != "000000" else "1", "status": "accepted"},
    )
    assert "The code does not match" in wrong.content.decode()
    done = client.post(
        partner_url(link), {"code": link.code, "status": "accepted", "note": "Tuesday"}
    )
    assert "Thank you" in done.content.decode()
    referral.refresh_from_db()
    assert referral.status == "accepted"
    change = ReferralStatusChange.objects.filter(referral=referral).last()
    assert change.by_partner
    assert change.note == "Tuesday"
    # Single use: the same link (even with the right code) now answers 404.
    assert client.get(partner_url(link)).status_code == 404
    assert (
        client.post(partner_url(link), {"code": link.code, "status": "completed"}).status_code
        == 404
    )
    referral.refresh_from_db()
    assert referral.status == "accepted"


def test_expired_used_forged_and_replaced_links_answer_the_same_404(personas):
    _referral, link = h.sent(personas)
    client = Client()
    forged = client.get(reverse("referrals:partner", args=["x" * 43]))
    tampered = client.get(
        reverse(
            "referrals:partner", args=[link.token[:-1] + ("A" if link.token[-1] != "A" else "B")]
        )
    )
    with time_machine.travel(timezone.now() + datetime.timedelta(days=14, minutes=1)):
        expired = client.get(partner_url(link))
    answers = [forged, tampered, expired]
    _referral, used = h.sent(personas)  # another referral of the same patient
    client.post(partner_url(used), {"code": used.code, "status": "declined"})
    answers.append(client.get(partner_url(used)))
    # Each answer carries its own (masked) form token and its own address (the language
    # form returns to it); everything else is the same page.
    bodies = {
        re.sub(
            rb'(X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+',
            b"",
            response.content.replace(response.wsgi_request.path.encode(), b"ADDRESS"),
        )
        for response in answers
    }
    assert [response.status_code for response in answers] == [404] * 4
    assert len(bodies) == 1
    assert b"Rosa" not in bodies.pop()
    assert (
        AuditEvent.objects.filter(
            outcome="denied", detail="partner link not recognised (tampered or made up)"
        ).count()
        == 2
    )
    assert AuditEvent.objects.filter(outcome="denied", detail="partner link expired").exists()
    assert AuditEvent.objects.filter(outcome="denied", detail="partner link used").exists()


def test_the_link_lasts_the_clinics_period(personas):
    from lantern.referrals.models import ReferralSettings

    ReferralSettings.objects.create(clinic=personas.clinic, link_days=3)
    _referral, link = h.sent(personas)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=2)):
        assert Client().get(partner_url(link)).status_code == 200
    with time_machine.travel(timezone.now() + datetime.timedelta(days=3, minutes=1)):
        assert Client().get(partner_url(link)).status_code == 404


def test_five_wrong_codes_end_the_link(personas):
    _referral, link = h.sent(personas)
    client = Client()
    wrong = "1" if link.code != "1" else "2"
    for _ in range(5):
        client.post(partner_url(link), {"code": wrong, "status": "accepted"})
    assert (
        client.post(partner_url(link), {"code": link.code, "status": "accepted"}).status_code == 404
    )


def test_a_new_link_replaces_the_old_one_and_only_the_hash_is_kept(personas, client_for):
    referral, first = h.sent(personas)
    client = client_for(personas.colleague)
    page = client.post(reverse("referrals:referral_link", args=[personas.patient.pk, referral.pk]))
    text = page.content.decode()
    token = re.search(r"/partner/([^/]+)/", text).group(1)
    assert token != first.token
    assert Client().get(partner_url(first)).status_code == 404
    assert Client().get(reverse("referrals:partner", args=[token])).status_code == 200
    stored = PartnerLink.objects.filter(referral=referral).values_list("token_hash", "code_hash")
    assert all(token not in pair and first.token not in pair for pair in stored)


def test_sending_without_consent_says_why_and_is_audited(personas, client_for):
    h.advocate_on_team(personas)
    h.safe_sms(personas)
    referral = h.draft(personas)
    client = client_for(personas.colleague)
    page = client.post(reverse("referrals:referral_send", args=[personas.patient.pk, referral.pk]))
    assert "needs the patient&#x27;s current consent" in page.content.decode() or (
        "current consent" in page.content.decode()
    )
    referral.refresh_from_db()
    assert referral.status == "draft"
    assert AuditEvent.objects.filter(outcome="denied", detail__contains="without consent").exists()


def test_the_whole_referral_through_the_pages(personas, client_for):
    h.advocate_on_team(personas)
    h.safe_sms(personas)
    service = h.shelter(personas)
    clinician = client_for(personas.clinician)
    started = clinician.post(
        reverse("referrals:referral_start", args=[personas.patient.pk]),
        {"service": str(service.hsds_id)},
    )
    assert started.status_code == 302
    referral = personas.patient.referrals.get()
    advocate = client_for(personas.colleague)
    base = [personas.patient.pk, referral.pk]
    advocate.post(
        reverse("referrals:referral_consent", args=base),
        {"status": "given", "method": "verbal", "items": ["first_name", "safe_contact"]},
    )
    sent = advocate.post(reverse("referrals:referral_send", args=base))
    code = re.search(r'class="partner-code">(\d+)<', sent.content.decode()).group(1)
    token = re.search(r"/partner/([^/]+)/", sent.content.decode()).group(1)
    Client().post(reverse("referrals:partner", args=[token]), {"code": code, "status": "accepted"})
    referral.refresh_from_db()
    assert referral.status == "accepted"
    chart = clinician.get(reverse("patients:detail", args=[personas.patient.pk])).content.decode()
    assert "Accepted" in chart


def test_the_disclosure_shows_in_the_patients_access_history(personas, client_for):
    h.sent(personas)
    page = client_for(personas.auditor).get(
        reverse("patients:access_history", args=[personas.patient.pk])
    )
    assert "Disclosure outside the care team" in page.content.decode()


def test_program_managers_see_counts_without_names(personas, client_for):
    for _ in range(11):
        h.draft(personas)
    page = client_for(personas.manager).get(reverse("referrals:counts")).content.decode()
    assert "All referrals: 11" in page
    assert "Rosa" not in page
    assert "fewer than 11" not in page.split("Draft")[1].split("</tr>")[0]


def test_small_counts_are_suppressed(personas, client_for):
    h.draft(personas)
    page = client_for(personas.manager).get(reverse("referrals:counts")).content.decode()
    assert "All referrals: fewer than 11" in page


def test_the_slip_names_the_service_only_if_the_patient_agreed(personas):
    personas.patient.preferred_language = "es"
    personas.patient.save()
    referral = h.draft(personas)
    client = signed_in(personas.clinician)
    url = reverse("referrals:slip_print", args=[personas.patient.pk, referral.pk])
    discreet = client.post(url).content.decode()
    assert '<html lang="es">' in discreet
    assert "Emergency beds" not in discreet
    assert "Harbor" not in discreet
    named = client.post(url, {"name_service": "on"}).content.decode()
    assert "Emergency beds" in named
    assert AuditEvent.objects.filter(action="print", patient_id=personas.patient.pk).count() == 2


def test_each_label_of_the_draft_page_names_its_own_field(personas, client_for):
    """The page holds the share, consent, status and hand-off forms: "status", "items" and
    "note" are field names of several, and each still has its own id, so that a label never
    ticks another form's box (the consent's "Given" once checked the status form's)."""
    h.advocate_on_team(personas)
    referral = h.draft(personas)
    page = client_for(personas.colleague).get(
        reverse("referrals:referral", args=[personas.patient.pk, referral.pk])
    )
    body = page.content.decode()
    ids = re.findall(r'\sid="([^"]+)"', body)
    assert ids
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert 'for="consent-status_0"' in body
    assert 'for="status-status_0"' in body
