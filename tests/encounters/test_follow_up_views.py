"""The visit's follow-up assessment: recorded once, audited, checked, and shown as
exposure-window decision support before any care plan exists."""

from __future__ import annotations

import datetime
import html
from zoneinfo import ZoneInfo

import pytest
import time_machine

from lantern.audit.models import AuditEvent
from lantern.encounters.models import FollowUpAssessment
from tests.clients import signed_in
from tests.encounters.conftest import url

CLINIC_TIME = ZoneInfo("America/New_York")
# A Tuesday morning; the exposure was on the Saturday evening before, 58 hours earlier.
NOW = datetime.datetime(2026, 4, 14, 5, 0, tzinfo=CLINIC_TIME)
SATURDAY_EVENING = "2026-04-11T19:00"


def answers(**changes):
    data = {
        "exposure_time": "exact",
        "exposure_at": SATURDAY_EVENING,
        "npep": "not_started",
        "npep_started_at": "",
        "hiv_status": "negative",
        "hiv_test_generation": "4",
        "pregnancy": "no",
        "hbv_immune": "unknown",
        "hbv_doses_before": "0",
        "hpv_doses_before": "0",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def record(personas, visit, **changes):
    return signed_in(personas.clinician).post(url("follow_up", visit), answers(**changes))


def page(personas, visit):
    response = signed_in(personas.clinician).get(url("visit", visit))
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_the_visit_page_counts_down_the_npep_window_before_any_plan(personas, visit, clock):
    response = record(personas, visit, sores="on", chronic_conditions=["diabetes"])
    assert response.status_code == 302
    shown = page(personas, visit)
    assert "nPEP window closes in 14 h (Tue 19:00)" in shown
    assert "Emergency contraception window closes in 2 days (Thu 19:00)" in shown
    assessment = FollowUpAssessment.objects.get(encounter=visit)
    assert assessment.sti_signs == ["sores"]
    assert assessment.chronic_conditions == ["diabetes"]


def test_an_unknown_exposure_time_keeps_the_urgent_windows_for_the_clinician(
    personas, visit, clock
):
    record(personas, visit, exposure_time="unknown", exposure_at="")
    shown = page(personas, visit)
    assert "nPEP window — Exposure time unknown: decide now" in shown


def test_a_window_that_closed_before_the_visit_says_so(personas, visit, clock):
    record(personas, visit, exposure_at="2026-04-11T04:00")  # 73 hours before
    shown = page(personas, visit)
    assert "nPEP window closed Tue 04:00" in shown
    assert "nPEP window closes" not in shown


def test_npep_started_elsewhere_opens_no_npep_window(personas, visit, clock):
    record(personas, visit, npep="elsewhere", npep_started_at="2026-04-12T08:00")
    shown = page(personas, visit)
    assert "nPEP window" not in shown
    assert FollowUpAssessment.objects.get(encounter=visit).npep == "elsewhere"


def test_the_assessment_is_audited_as_sensitive(personas, visit, clock):
    record(personas, visit)
    assessment = FollowUpAssessment.objects.get(encounter=visit)
    assert AuditEvent.objects.filter(
        action="create",
        category="sdv",
        object_id=str(assessment.pk),
        patient_id=personas.patient.pk,
        actor=personas.clinician,
    ).exists()
    record(personas, visit, ec_given="on")
    assert AuditEvent.objects.filter(action="update", object_id=str(assessment.pk)).exists()
    assert FollowUpAssessment.objects.get(encounter=visit).ec_given is True


def test_an_exposure_in_the_future_is_refused_precisely_and_kept_as_typed(personas, visit, clock):
    response = record(personas, visit, exposure_at="2026-04-15T09:30")
    assert response.status_code == 200
    shown = html.unescape(response.content.decode())
    assert (
        "The exposure time 2026-04-15 09:30 is in the future: it is now 2026-04-14 05:00." in shown
    )
    assert 'value="2026-04-15T09:30"' in shown
    assert not FollowUpAssessment.objects.exists()


def test_an_exposure_before_birth_is_refused_precisely_and_kept_as_typed(personas, visit, clock):
    response = record(personas, visit, exposure_at="1997-06-01T12:00", sores="on")
    assert response.status_code == 200
    shown = html.unescape(response.content.decode())
    assert (
        "The exposure time 1997-06-01 12:00 is before the patient's date of birth (1998-04-17)."
        in shown
    )
    assert 'value="1997-06-01T12:00"' in shown
    assert 'name="sores" id="follow-up-sores" checked' in shown
    assert not FollowUpAssessment.objects.exists()


def test_a_known_time_needs_a_time_and_npep_before_the_exposure_is_refused(personas, visit, clock):
    shown = html.unescape(record(personas, visit, exposure_at="").content.decode())
    assert "Enter when it happened, or choose “Unknown”." in shown
    shown = html.unescape(
        record(personas, visit, npep="here", npep_started_at="2026-04-10T08:00").content.decode()
    )
    assert "nPEP started 2026-04-10 08:00, before the exposure (2026-04-11 19:00)." in shown


def test_only_the_care_team_records_an_assessment(personas, visit, clock):
    for persona in (personas.colleague, personas.outsider):
        response = signed_in(persona).post(url("follow_up", visit), answers())
        assert response.status_code == 404
    assert not FollowUpAssessment.objects.exists()


def test_an_unknown_age_asks_for_it_but_keeps_the_urgent_windows(personas, visit, clock):
    personas.patient.set_age("unknown", None, None, NOW.date())
    personas.patient.save()
    record(personas, visit)
    shown = page(personas, visit)
    assert (
        "The patient's age is not known: record it in the registry to make the care plan" in shown
    )
    assert "nPEP window closes in 14 h (Tue 19:00)" in shown
