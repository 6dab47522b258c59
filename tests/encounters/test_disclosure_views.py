"""Disclosures: on the patient's consent (only what it covers is offered) or under a legal
duty; refused with the reason otherwise; each one in the record's access history."""

from __future__ import annotations

import re

from lantern.audit.models import AuditEvent
from lantern.encounters.models import Disclosure
from tests.encounters.conftest import give, url

SHARE = {"basis": "consent", "shared": "Name and phone number", "reference": ""}


def offered_kinds(page):
    form = page[page.index('id="share-heading"') : page.index('id="mandate-heading"')]
    return set(re.findall(r'<option value="(\w+)"', form))


def test_nothing_is_offered_on_consent_until_the_patient_agrees(personas, client_for, visit):
    page = client_for(personas.clinician).get(url("visit", visit)).content.decode()
    assert "The patient has not agreed to any sharing." in page
    assert offered_kinds(page) == set()


def test_only_covered_kinds_are_offered_and_covered_recipients_named(personas, client_for, visit):
    give(personas, visit, "disclose_referral", recipient="Harbor Legal Aid")
    give(personas, visit, "disclose_primary_care")
    give(personas, visit, "disclose_law_enforcement", status="declined")
    page = client_for(personas.clinician).get(url("visit", visit)).content.decode()
    assert offered_kinds(page) == {"referral", "primary_care"}
    covered = page[page.index("Covered by the patient") : page.index('id="share-heading"')]
    assert "Referral organisation: Harbor Legal Aid" in covered
    assert "Primary care / EHR" in covered
    assert "Law enforcement" not in covered


def test_a_covered_disclosure_is_recorded_and_accounted_for(personas, client_for, visit):
    give(personas, visit, "disclose_referral", recipient="Harbor Legal Aid")
    client = client_for(personas.clinician)
    response = client.post(
        url("disclosure_add", visit),
        {**SHARE, "kind": "referral", "recipient": "harbor legal aid"},
    )
    assert response.url == url("visit", visit)
    disclosure = Disclosure.objects.get()
    assert disclosure.consent is not None
    assert disclosure.encounter == visit
    assert AuditEvent.objects.filter(
        action="disclose", patient_id=personas.patient.pk, object_id=str(disclosure.pk)
    ).exists()
    page = client.get(url("visit", visit)).content.decode()
    assert "Name and phone number" in page


def test_a_recipient_not_covered_is_refused_with_the_reason(personas, client_for, visit):
    give(personas, visit, "disclose_referral", recipient="Harbor Legal Aid")
    response = client_for(personas.clinician).post(
        url("disclosure_add", visit),
        {**SHARE, "kind": "referral", "recipient": "Another Agency"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    # The refusal names whom the consent covers, instead of "consent not asked yet".
    assert (
        "the patient agreed to share only with “Harbor Legal Aid”, not with “Another Agency”"
        in (page)
    )
    assert "not asked yet)" not in page
    assert 'value="Another Agency"' in page
    assert not Disclosure.objects.exists()
    assert AuditEvent.objects.filter(outcome="denied", category="consent").exists()


def test_a_mandated_report_needs_its_legal_duty(personas, client_for, visit):
    client = client_for(personas.clinician)
    data = {
        "basis": "mandate",
        "kind": "protective_services",
        "recipient": "County CPS",
        "shared": "Report of suspected exploitation of a minor",
    }
    response = client.post(url("disclosure_add", visit), data)
    assert "Name the law or duty that requires this report." in response.content.decode()
    assert not Disclosure.objects.exists()
    with_duty = {**data, "legal_basis": "State elder abuse reporting law", "reference": "CPS-118"}
    refused = client.post(url("disclosure_add", visit), with_duty)
    assert "This patient is an adult" in refused.content.decode()
    assert not Disclosure.objects.exists()
    response = client.post(url("disclosure_add", visit), {**with_duty, "adult_duty": "on"})
    assert response.url == url("visit", visit)
    report = Disclosure.objects.get()
    assert (report.basis, report.consent, report.reference) == ("mandate", None, "CPS-118")


def test_the_privacy_officer_sees_the_disclosure_in_the_access_history(personas, client_for, visit):
    from django.urls import reverse

    from tests.clients import stepped_up

    give(personas, visit, "disclose_primary_care")
    client_for(personas.clinician).post(
        url("disclosure_add", visit),
        {**SHARE, "kind": "primary_care", "recipient": "Dr. Lee, Eastside Family Practice"},
    )
    page = stepped_up(personas.auditor).get(
        reverse("patients:access_history", args=[personas.patient.pk])
    )
    assert page.status_code == 200
    assert "Disclosure outside the care team" in page.content.decode()


def test_each_recipient_the_consent_covers_is_named(personas, client_for, visit):
    give(personas, visit, "disclose_referral", recipient="Harbor Legal Aid")
    give(personas, visit, "disclose_referral", recipient="Casa Esperanza")
    give(personas, visit, "disclose_referral", recipient="Old Shelter", status="withdrawn")
    page = client_for(personas.clinician).post(
        url("disclosure_add", visit), {**SHARE, "kind": "referral", "recipient": "Old Shelter"}
    )
    # Old Shelter's consent was withdrawn: that is the reason given, not another recipient.
    assert "(withdrawn)" in page.content.decode()
    other = client_for(personas.clinician).post(
        url("disclosure_add", visit), {**SHARE, "kind": "referral", "recipient": "Police"}
    )
    text = other.content.decode()
    assert "only with “Harbor Legal Aid”, “Casa Esperanza”, not with “Police”" in text
    assert "Old Shelter" not in text.split("only with")[1].split("</li>")[0]
