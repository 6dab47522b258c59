"""Administrators set a clinic's chart grants and training rule."""

from __future__ import annotations

from django.urls import reverse

from lantern.accounts.chart_access import Section, chart_sections
from lantern.accounts.models import CareTeamMember, ChartGrant, Role
from lantern.audit.models import AuditEvent
from lantern.training.models import TrainingPolicy
from tests.factories import ClinicFactory, UserFactory


def settings_url(clinic):
    return reverse("accounts:clinic_settings", args=[clinic.pk])


def test_an_administrator_opens_exam_findings_to_advocates_at_one_clinic(personas, client_for):
    client = client_for(personas.admin)
    page = client.get(settings_url(personas.clinic)).content.decode()
    assert "Examination findings" in page
    assert "Months an attestation lasts" in page
    response = client.post(
        settings_url(personas.clinic),
        {"grants_advocate": ["exam_findings"], "valid_months": "6"},
    )
    assert response.url == reverse("accounts:clinic_list")
    CareTeamMember.objects.create(patient=personas.patient, user=personas.colleague)
    assert Section.EXAM_FINDINGS in chart_sections(personas.colleague, personas.patient)
    policy = TrainingPolicy.objects.get(clinic=personas.clinic)
    assert (policy.valid_months, policy.required_for_screening) == (6, False)
    assert AuditEvent.objects.filter(
        action="permission_change", detail="chart grants for advocate: exam_findings"
    ).exists()
    # Taking the grant back closes the section again.
    client.post(settings_url(personas.clinic), {"valid_months": "6"})
    assert not ChartGrant.objects.exists()
    assert Section.EXAM_FINDINGS not in chart_sections(personas.colleague, personas.patient)


def test_only_grantable_sections_are_offered_and_accepted(personas, client_for):
    client = client_for(personas.admin)
    response = client.post(
        settings_url(personas.clinic), {"grants_counselor": ["disclosures"], "valid_months": "12"}
    )
    assert response.status_code == 200
    assert "field--error" in response.content.decode()
    assert not ChartGrant.objects.exists()


def test_a_bad_number_of_months_is_refused_with_what_is_allowed(personas, client_for):
    response = client_for(personas.admin).post(
        settings_url(personas.clinic), {"valid_months": "0", "required_for_screening": "on"}
    )
    assert response.status_code == 200
    assert not TrainingPolicy.objects.exists()


def test_a_clinic_of_another_organisation_is_not_found(personas, client_for):
    foreign = ClinicFactory()
    assert client_for(personas.admin).get(settings_url(foreign)).status_code == 404
    other_admin = UserFactory(role=Role.ADMINISTRATOR, clinics=[foreign])
    assert client_for(other_admin).get(settings_url(personas.clinic)).status_code == 404
