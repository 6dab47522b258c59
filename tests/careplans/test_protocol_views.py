"""A clinical lead copies a protocol, edits it, reads the diff, dry-runs and publishes it;
plans made afterwards record the clinic's version, plans made before keep theirs."""

from __future__ import annotations

import html
import json

import pytest
from django.urls import reverse

from lantern.audit.models import AuditEvent
from lantern.careplans import protocols
from lantern.careplans.clinic_protocols import stored_protocol
from lantern.careplans.generation import careplan_generate
from lantern.careplans.models import Activity, ClinicProtocol
from tests.careplans.conftest import assess
from tests.clients import signed_in

pytestmark = pytest.mark.django_db


def text(response):
    return html.unescape(response.content.decode())


@pytest.fixture
def lead(personas):
    personas.clinician.clinical_lead = True
    personas.clinician.save()
    return personas.clinician


def copy(client, personas, new_id="riverside-followup"):
    return client.post(
        reverse("careplans:protocol_copy"),
        {
            "clinic": personas.clinic.pk,
            "source": "shipped:sa-followup-v1",
            "new_id": new_id,
            "version": "1.0.0",
        },
    )


def test_who_may_adapt_protocols(personas, lead):
    url = reverse("careplans:protocols")
    assert signed_in(lead).get(url).status_code == 200
    assert signed_in(personas.admin).get(url).status_code == 200
    for persona in (personas.colleague, personas.outsider, personas.manager, personas.auditor):
        assert signed_in(persona).get(url).status_code == 403
    assert AuditEvent.objects.filter(actor=personas.colleague, outcome="denied").exists()


def test_a_clinician_who_is_not_a_lead_is_refused(personas):
    assert signed_in(personas.clinician).get(reverse("careplans:protocols")).status_code == 403


def test_copy_edit_diff_dry_run_and_publish(personas, lead, visit):
    client = signed_in(lead)
    response = copy(client, personas)
    record = ClinicProtocol.objects.get()
    assert response.url == reverse("careplans:protocol_edit", args=[record.pk])
    assert record.status == "draft"
    data = record.data
    for rule in data["rules"]:
        for activity in rule["activities"]:
            if activity["id"] == "followup-exam":
                activity["title"] = "Riverside follow-up visit"
    edit = reverse("careplans:protocol_edit", args=[record.pk])
    assert client.post(edit, {"protocol": json.dumps(data)}).status_code == 302
    page = text(client.get(edit))
    assert "~ rule followup-exam, activity followup-exam: title:" in page
    assert "-> Riverside follow-up visit" in page
    assert "~ protocol: derived from: (none) -> sa-followup-v1 1.1.0" in page
    dry = text(
        client.post(
            reverse("careplans:protocol_dry_run", args=[record.pk]),
            {"facts": json.dumps(FACTS)},
        )
    )
    assert '"protocol": "riverside-followup"' in dry
    assert '"title": "Riverside follow-up visit"' in dry
    client.post(reverse("careplans:protocol_publish", args=[record.pk]))
    record.refresh_from_db()
    assert record.status == "published"
    assert record.data["review"]["status"] == "approved"
    assert record.data["review"]["approved_by"] == lead.display_name
    assess(personas, visit)
    careplan_generate(patient=personas.patient, visit=visit, actor=lead)
    exam = Activity.objects.get(code="followup-exam")
    assert (exam.protocol_id, exam.protocol_version, exam.title) == (
        "riverside-followup",
        "1.0.0",
        "Riverside follow-up visit",
    )


FACTS = {
    "assessed_at": "2026-03-09T10:00:00-04:00",
    "exposure_at": "2026-03-08T22:00:00-04:00",
    "exposure_approximate": False,
    "age_years": 24,
    "sex_at_birth": "female",
    "pregnant": False,
    "hiv_status": "negative",
    "hiv_test_generation": 4,
    "npep_started_at": None,
    "ec_given": False,
    "prophylaxis_given": False,
    "hbv_immune": None,
    "hbv_vaccine_doses": 0,
    "hpv_vaccine_doses": 0,
    "chronic_conditions": [],
    "positive_screens": [],
}


def test_a_refused_protocol_names_the_rule_and_reason_and_keeps_the_draft(personas, lead):
    client = signed_in(lead)
    copy(client, personas)
    record = ClinicProtocol.objects.get()
    data = record.data
    data["rules"][0]["activities"][0]["source"] = "no-such-source"
    typed = json.dumps(data)
    response = client.post(
        reverse("careplans:protocol_edit", args=[record.pk]), {"protocol": typed}
    )
    page = text(response)
    assert response.status_code == 200
    assert "Not saved: the protocol was refused." in page
    assert "rule npep, activity hiv-npep" in page
    assert "no-such-source" in page
    record.refresh_from_db()
    assert record.data["rules"][0]["activities"][0]["source"] != "no-such-source"


def test_contradictory_dry_run_facts_are_named(personas, lead):
    client = signed_in(lead)
    copy(client, personas)
    record = ClinicProtocol.objects.get()
    facts = {**FACTS, "sex_at_birth": "male", "pregnant": True}
    page = text(
        client.post(
            reverse("careplans:protocol_dry_run", args=[record.pk]), {"facts": json.dumps(facts)}
        )
    )
    assert "is true but sex_at_birth is male" in page


def test_a_copy_at_another_clinic_is_not_found(personas, lead):
    copy(signed_in(lead), personas)
    record = ClinicProtocol.objects.get()
    personas.outsider.clinical_lead = True
    personas.outsider.save()
    response = signed_in(personas.outsider).get(
        reverse("careplans:protocol_edit", args=[record.pk])
    )
    assert response.status_code == 404


def edited(record, title):
    """The draft's data with the follow-up exam retitled."""
    data = json.loads(json.dumps(record.data))
    for rule in data["rules"]:
        for activity in rule["activities"]:
            if activity["id"] == "followup-exam":
                activity["title"] = title
    return data


@pytest.mark.parametrize("dropped", ["missing", "null"])
def test_what_a_draft_was_copied_from_survives_every_edit(personas, lead, dropped):
    client = signed_in(lead)
    copy(client, personas)
    record = ClinicProtocol.objects.get()
    edit = reverse("careplans:protocol_edit", args=[record.pk])
    assert client.post(edit, {"protocol": json.dumps(edited(record, "First"))}).status_code == 302
    record.refresh_from_db()
    second = edited(record, "Second")
    if dropped == "missing":
        del second["derived_from"]
    else:
        second["derived_from"] = None
    assert client.post(edit, {"protocol": json.dumps(second)}).status_code == 302
    record.refresh_from_db()
    assert record.data["derived_from"] == {"id": "sa-followup-v1", "version": "1.1.0"}
    page = text(client.get(edit))
    assert "Derived from sa-followup-v1 1.1.0." in page
    assert "~ protocol: derived from: (none) -> sa-followup-v1 1.1.0" in page
    assert "-> Second" in page
    assert "The original is not available to compare with." not in page


def test_a_draft_cannot_claim_another_original(personas, lead):
    client = signed_in(lead)
    copy(client, personas)
    record = ClinicProtocol.objects.get()
    data = edited(record, "Elsewhere")
    data["derived_from"] = {"id": "sa-followup-v1", "version": "0.9.0"}
    response = client.post(
        reverse("careplans:protocol_edit", args=[record.pk]), {"protocol": json.dumps(data)}
    )
    assert response.status_code == 200
    assert "A draft keeps what it was copied from: sa-followup-v1 1.1.0." in text(response)
    record.refresh_from_db()
    assert record.data["derived_from"] == {"id": "sa-followup-v1", "version": "1.1.0"}


def test_a_copy_of_another_clinics_copy_is_compared_with_that_copy(personas, lead):
    lead.clinics.add(personas.other_clinic)
    client = signed_in(lead)
    copy(client, personas)
    first = ClinicProtocol.objects.get()
    edit = reverse("careplans:protocol_edit", args=[first.pk])
    changed = {"protocol": json.dumps(edited(first, "Riverside"))}
    assert client.post(edit, changed).status_code == 302
    response = client.post(
        reverse("careplans:protocol_copy"),
        {
            "clinic": personas.other_clinic.pk,
            "source": f"clinic:{first.pk}",
            "new_id": "harbor-followup",
            "version": "1.0.0",
        },
    )
    assert response.status_code == 302
    second = ClinicProtocol.objects.get(clinic=personas.other_clinic)
    # Riverside's draft as it was copied (with its edit), kept with the copy.
    first.refresh_from_db()
    assert second.original == protocols.dump_protocol(stored_protocol(first))
    page = text(client.get(reverse("careplans:protocol_edit", args=[second.pk])))
    assert "Derived from riverside-followup 1.0.0." in page
    assert "The original is not available to compare with." not in page
    assert "~ protocol: id: riverside-followup -> harbor-followup" in page
    assert "-> Riverside" not in page  # the edit is in both: no change against that copy


def _copied_across(personas, lead):
    """A lead of both clinics copies Riverside's draft to Harbor; returns (source, copy)."""
    lead.clinics.add(personas.other_clinic)
    client = signed_in(lead)
    copy(client, personas)
    first = ClinicProtocol.objects.get()
    response = client.post(
        reverse("careplans:protocol_copy"),
        {
            "clinic": personas.other_clinic.pk,
            "source": f"clinic:{first.pk}",
            "new_id": "harbor-followup",
            "version": "1.0.0",
        },
    )
    assert response.status_code == 302
    return first, ClinicProtocol.objects.get(clinic=personas.other_clinic)


def test_a_harbor_lead_sees_nothing_of_riversides_copy_through_the_diff(personas, lead):
    """The copy's diff is Harbor's page: a lead of Harbor alone sees Harbor's draft and
    what it changed, never what Riverside's draft says now."""
    first, second = _copied_across(personas, lead)
    # Riverside goes on editing its own draft after Harbor copied it.
    edit_first = reverse("careplans:protocol_edit", args=[first.pk])
    secret = {"protocol": json.dumps(edited(first, "Riverside internal wording"))}
    assert signed_in(lead).post(edit_first, secret).status_code == 302
    harbor_lead = personas.outsider
    harbor_lead.clinical_lead = True
    harbor_lead.save()
    page = text(signed_in(harbor_lead).get(reverse("careplans:protocol_edit", args=[second.pk])))
    assert "harbor-followup" in page
    assert "Riverside internal wording" not in page


def test_a_copys_diff_stays_against_what_was_copied(personas, lead):
    """Edits made to the source draft later are not changes of the copy."""
    first, second = _copied_across(personas, lead)
    client = signed_in(lead)
    edit_first = reverse("careplans:protocol_edit", args=[first.pk])
    assert (
        client.post(edit_first, {"protocol": json.dumps(edited(first, "Later"))}).status_code == 302
    )
    page = text(client.get(reverse("careplans:protocol_edit", args=[second.pk])))
    assert "title: Later ->" not in page  # Harbor changed no title


def test_a_copy_whose_source_is_gone_is_still_compared_with_what_was_copied(personas, lead):
    first, second = _copied_across(personas, lead)
    ClinicProtocol.objects.filter(pk=first.pk).delete()
    page = text(signed_in(lead).get(reverse("careplans:protocol_edit", args=[second.pk])))
    assert "The original is not available to compare with." not in page
    assert "~ protocol: id: riverside-followup -> harbor-followup" in page
