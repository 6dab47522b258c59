"""A visit with a follow-up assessment, fixed in time, for the care-plan tests."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from lantern.encounters import services as visit_services

CLINIC_TIME = ZoneInfo("America/New_York")
# A Tuesday morning; the exposure was on the Saturday evening before, 58 hours earlier.
NOW = datetime.datetime(2026, 4, 14, 5, 0, tzinfo=CLINIC_TIME)
EXPOSURE = datetime.datetime(2026, 4, 11, 19, 0, tzinfo=CLINIC_TIME)

ASSESSMENT = {
    "exposure_time": "exact",
    "exposure_at": EXPOSURE,
    "npep": "not_started",
    "npep_started_at": None,
    "ec_given": False,
    "prophylaxis_given": False,
    "hbv_immune": "unknown",
    "hbv_doses_before": 0,
    "hbv_dose_given": False,
    "hpv_doses_before": 0,
    "hpv_dose_given": False,
    "hiv_status": "negative",
    "hiv_test_generation": "4",
    "pregnancy": "no",
    "sores": False,
    "discharge": False,
    "bleeding": False,
    "warts": False,
    "chronic_conditions": [],
}


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def visit(personas, clock):
    return visit_services.encounter_start(
        actor=personas.clinician,
        patient=personas.patient,
        clinic=personas.clinic,
        kind="emergency",
        companion="came_alone",
        interpreter="not_needed",
    )


def assess(personas, visit, **changes):
    return visit_services.follow_up_assessment_record(
        actor=personas.clinician, encounter=visit, **{**ASSESSMENT, **changes}
    )
