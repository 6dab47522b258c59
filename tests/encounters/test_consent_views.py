"""The consent panel: every scope's state now, recording a decision, withdrawing at once,
the history kept whole, and the minor pathway shown apart from consent."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.utils import timezone

from lantern.encounters import services
from lantern.encounters.models import ConsentRecord, ExamStep
from tests.encounters.conftest import give, offered_as_done, url
from tests.factories import make_patient

DECISION = {"method": "verbal", "given_by": "patient", "recipient": "", "note": ""}


def row(page, label):
    """The text of the consent table's row for ``label``."""
    table = page[page.index("Consent now, by what it is for") :]
    found = re.search(rf"<th scope=\"row\">{re.escape(label)}</th>(.*?)</tr>", table, re.S)
    assert found, f"no row for {label}"
    return found.group(1)


def test_a_decision_is_recorded_and_shown_with_who_and_when(personas, client_for, visit):
    client = client_for(personas.clinician)
    response = client.post(
        url("consent_add", visit),
        {**DECISION, "scope": "touch", "status": "given", "interpreter_used": "on"},
    )
    assert response.url == url("visit", visit)
    record = ConsentRecord.objects.get()
    assert (record.scope, record.status, record.interpreter_used) == ("touch", "given", True)
    assert record.encounter == visit
    page = client.get(url("visit", visit)).content.decode()
    touch = row(page, "Being touched during the examination")
    assert "Given" in touch
    assert personas.clinician.display_name in touch
    assert "with an interpreter" in touch
    assert "Withdraw" in touch


def test_the_panel_shows_each_state(personas, client_for, visit):
    give(personas, visit, "general_exam")
    give(personas, visit, "touch", status="declined")
    give(personas, visit, "undress", status="deferred")
    (photo,) = give(personas, visit, "photographs")
    services.consent_withdraw(actor=personas.clinician, record=photo)
    with time_machine.travel(timezone.now() - datetime.timedelta(days=2), tick=False):
        services.consent_record(
            actor=personas.clinician,
            patient=personas.patient,
            encounter=visit,
            scope="blood_draw",
            status="given",
            method="written",
            expires_at=timezone.now() + datetime.timedelta(days=1),
        )
    page = client_for(personas.clinician).get(url("visit", visit)).content.decode()
    expected = {
        "General examination": "Given",
        "Being touched during the examination": "Declined",
        "Undressing or wearing a gown": "Deferred: ask again later",
        "Photographs of injuries": "Withdrawn",
        "Blood draw": "Expired",
        "Forensic evidence kit": "Not asked yet",
    }
    for label, state in expected.items():
        assert f'">{state}</span>' in row(page, label), label
    assert "Withdraw" not in row(page, "Blood draw")


def test_a_named_recipient_is_required_and_what_was_typed_stays(personas, client_for, visit):
    response = client_for(personas.clinician).post(
        url("consent_add", visit),
        {**DECISION, "scope": "disclose_referral", "status": "given", "note": "Asked twice"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Name the organisation or person the patient agreed to share with." in page
    assert "Asked twice</textarea>" in page
    assert not ConsentRecord.objects.exists()


def test_an_expiry_in_the_past_is_refused(personas, client_for, visit):
    response = client_for(personas.clinician).post(
        url("consent_add", visit),
        {**DECISION, "scope": "touch", "status": "given", "expires_at": "2020-01-01T10:00"},
    )
    assert "An expiry date must be in the future." in response.content.decode()
    assert not ConsentRecord.objects.exists()


def test_each_named_recipient_has_its_own_row(personas, client_for, visit):
    give(personas, visit, "disclose_referral", recipient="Harbor Legal Aid")
    give(personas, visit, "disclose_referral", recipient="Safe Haven Shelter", status="declined")
    page = client_for(personas.clinician).get(url("visit", visit)).content.decode()
    assert "Given" in row(page, "Share with a named referral organisation: Harbor Legal Aid")
    assert "Declined" in row(page, "Share with a named referral organisation: Safe Haven Shelter")
    assert "Not asked yet" in row(page, "Share with an immigration attorney")


def test_withdrawal_mid_visit_stops_the_step_at_once_and_keeps_the_history(
    personas, client_for, visit
):
    client = client_for(personas.clinician)
    give(personas, visit, "general_exam", "touch")
    page = client.get(url("visit", visit)).content.decode()
    assert offered_as_done(page) == {"general_exam", "palpation"}

    touch = ConsentRecord.objects.get(scope="touch")
    response = client.post(url("consent_withdraw", visit, consent_id=touch.pk))
    assert response.url == url("visit", visit)
    page = client.get(response.url).content.decode()
    assert "Consent withdrawn: Being touched during the examination." in page
    assert offered_as_done(page) == {"general_exam"}
    assert "Withdrawn" in row(page, "Being touched during the examination")

    # A form drawn before the withdrawal is refused by the service, with the reason.
    refused = client.post(
        url("exam_step_add", visit),
        {"step": "palpation", "status": "done", "told_can_stop": "on"},
    )
    assert refused.status_code == 200
    assert (
        "Not recorded: this needs the patient&#x27;s current consent for: "
        "Being touched during the examination (withdrawn)."
    ) in refused.content.decode()
    assert not ExamStep.objects.exists()
    history = list(ConsentRecord.objects.filter(scope="touch").values_list("status", flat=True))
    assert history == ["withdrawn", "given"]
    assert page.count("Being touched during the examination</td>") == 2  # both in the history


def test_only_a_given_consent_of_this_visit_can_be_withdrawn(personas, client_for, visit):
    (declined,) = give(personas, visit, "touch", status="declined")
    client = client_for(personas.clinician)
    assert client.post(url("consent_withdraw", visit, consent_id=declined.pk)).status_code == 404
    next_visit = services.encounter_start(
        actor=personas.clinician,
        patient=personas.patient,
        clinic=personas.clinic,
        kind="follow_up",
        companion="came_alone",
        interpreter="not_needed",
    )
    (earlier,) = give(personas, visit, "general_exam")
    response = client.post(url("consent_withdraw", next_visit, consent_id=earlier.pk))
    assert response.status_code == 404
    assert ConsentRecord.objects.count() == 2


@pytest.mark.parametrize(
    ("birth", "shown"),
    [
        ({"birth_date": datetime.date(2012, 3, 1)}, "This patient is under 18."),
        ({"birth_date_kind": "unknown", "birth_date": None}, "Age unknown"),
    ],
)
def test_for_minors_the_reporting_duty_is_shown_apart_from_consent(
    personas, client_for, birth, shown
):
    minor = make_patient(
        actor=personas.clinician, clinic=personas.clinic, preferred_name="Lia", **birth
    )
    visit = services.encounter_start(
        actor=personas.clinician,
        patient=minor,
        clinic=personas.clinic,
        kind="clinic",
        companion="came_alone",
        interpreter="not_needed",
    )
    page = client_for(personas.clinician).get(url("visit", visit)).content.decode()
    assert shown in page
    assert "Reporting duties for minors are set by law" in page
    assert "distinct from the patient's or a guardian's consent" in page


def test_an_adult_sees_no_minor_pathway(personas, client_for, visit):
    page = client_for(personas.clinician).get(url("visit", visit)).content.decode()
    assert "Reporting duties for minors" not in page


def test_no_consent_is_recorded_on_an_ended_visit(personas, client_for, visit):
    client = client_for(personas.clinician)
    services.encounter_end(actor=personas.clinician, encounter=visit)
    page = client.get(url("visit", visit)).content.decode()
    assert "This visit has ended: new consent decisions are recorded in a new visit." in page
    assert 'action="' + url("consent_add", visit) + '"' not in page
    refused = client.post(
        url("consent_add", visit), {**DECISION, "scope": "touch", "status": "given"}
    )
    assert refused.status_code == 200
    assert "This visit has ended: record the patient&#x27;s decision in a new visit." in (
        refused.content.decode()
    )
    assert not ConsentRecord.objects.exists()
    with pytest.raises(services.VisitError):
        services.consent_record(
            actor=personas.clinician,
            patient=personas.patient,
            encounter=visit,
            scope="disclose_primary_care",
            status="given",
            method="verbal",
        )


def test_a_consent_can_still_be_withdrawn_after_its_visit_ended(personas, client_for, visit):
    (record,) = give(personas, visit, "disclose_primary_care")
    services.encounter_end(actor=personas.clinician, encounter=visit)
    client = client_for(personas.clinician)
    client.post(url("consent_withdraw", visit, consent_id=record.pk))
    latest = ConsentRecord.objects.order_by("-pk").first()
    assert (latest.scope, latest.status) == ("disclose_primary_care", "withdrawn")
