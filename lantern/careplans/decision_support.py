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


@dataclass(frozen=True)
class VisitSupport:
    windows: list[UrgentWindow] = field(default_factory=list)
    protocol: protocols.ProtocolRef | None = None
    missing: str = ""  # a fact Lantern could not find (e.g. "age")
    problems: tuple[tuple[str, str], ...] = ()  # facts the planner refused


def visit_support(visit: Encounter, assessment: FollowUpAssessment | None) -> VisitSupport:
    if assessment is None:
        return VisitSupport()
    protocol = protocol_for(visit.clinic)
    try:
        found = visit_facts(protocol, assessment, visit.patient)
        plan = protocols.plan(protocol, found.facts, done=found.done)
    except FactsUnavailable as missing:
        return VisitSupport(protocol=protocol.ref, missing=str(missing))
    except protocols.FactsError as error:
        return VisitSupport(protocol=protocol.ref, problems=tuple(error.problems))
    return VisitSupport(windows=plan_windows(plan), protocol=protocol.ref)
