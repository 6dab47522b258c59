"""Exposure-window decision support on the visit page, before any plan exists.

The pure planner makes the plan the clinic's protocol would make from the visit's
assessment; the page shows its urgent windows as countdowns. Nothing is stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lantern.careplans import protocols
from lantern.careplans.clinic_protocols import protocol_for
from lantern.careplans.visit_facts import FactsUnavailable, visit_facts
from lantern.careplans.windows import UrgentWindow, plan_windows
from lantern.encounters.models import Encounter, FollowUpAssessment
from lantern.patients.age import ADULT_AGE


@dataclass(frozen=True)
class VisitSupport:
    windows: list[UrgentWindow] = field(default_factory=list)
    protocol: protocols.ProtocolRef | None = None
    missing: str = ""  # a fact Lantern could not find (e.g. "age")
    problems: tuple[tuple[str, str], ...] = ()  # facts the planner refused


def visit_support(visit: Encounter, assessment: FollowUpAssessment | None) -> VisitSupport:
    """The urgent windows for the visit's assessment.

    Without an age in the registry the urgent windows are still shown (they must never
    silently disappear), planned as for an adult, and ``missing`` asks for the age.
    """
    if assessment is None:
        return VisitSupport()
    protocol = protocol_for(visit.clinic)
    missing = "" if visit.patient.age() is not None else "age"
    try:
        found = visit_facts(protocol, assessment, visit.patient, age_if_unknown=ADULT_AGE)
        plan = protocols.plan(protocol, found.facts, done=found.done)
    except FactsUnavailable as unavailable:
        return VisitSupport(protocol=protocol.ref, missing=str(unavailable))
    except protocols.FactsError as error:
        return VisitSupport(protocol=protocol.ref, problems=tuple(error.problems))
    return VisitSupport(windows=plan_windows(plan), protocol=protocol.ref, missing=missing)
