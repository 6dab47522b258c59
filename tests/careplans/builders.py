"""Facts for the protocol tests: one adult at one assessment, changed field by field."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from lantern.careplans.protocols import Facts, Plan, PlannedActivity, get_protocol, plan

PROTOCOL = get_protocol("sa-followup-v1")
# US daylight-saving time began at 02:00 on 8 March 2026: the clinic is now at -04:00.
ASSESSED = datetime.fromisoformat("2026-03-09T10:00:00-04:00")
BASE: dict[str, Any] = {
    "assessed_at": ASSESSED,
    "exposure_at": ASSESSED - timedelta(hours=12),
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


def facts(**changes: Any) -> Facts:
    return Facts(**{**BASE, **changes})


def hours_before(hours: float) -> datetime:
    return ASSESSED - timedelta(hours=hours)


def plan_for(**changes: Any) -> Plan:
    return plan(PROTOCOL, facts(**changes))


def activities(code: str, **changes: Any) -> list[PlannedActivity]:
    return [a for a in plan_for(**changes).activities if a.code == code]


def only(code: str, **changes: Any) -> PlannedActivity:
    found = activities(code, **changes)
    assert len(found) == 1, f"expected one {code}, found {len(found)}"
    return found[0]


def window(activity: PlannedActivity) -> tuple[str, str, str]:
    return activity.earliest.isoformat(), activity.due.isoformat(), activity.latest.isoformat()


def json_facts(**changes: Any) -> dict[str, Any]:
    """The facts as the JSON object ``lantern protocols plan --facts`` reads."""
    return facts(**changes).as_dict()
