"""Planning: from a protocol and one patient's facts to dated activities.

How dates are made:

* Every date is in the UTC offset of ``assessed_at``. Hours, days and weeks are elapsed time,
  so a 72-hour window is 72 hours across a daylight-saving change.
* ``exposure`` windows count from ``exposure_at``, or from ``assessed_at`` when the exposure
  time is unknown; their rationale then says so (the protocol's ``exposure_notes``), and an
  urgent one is due at once: its real deadline may already have passed, so the clinician
  decides now. Every urgent activity whose window counts, directly or through other
  activities, from an unknown exposure time has ``exposure_unknown``: its dates are no real
  deadline, and screens say "decide now" instead of counting down. An approximate exposure
  time is used as stated and the rationale says it is approximate.
* No date is before the assessment: earlier ``earliest`` and ``due`` dates move up to it. A
  window whose ``latest`` date passed before the assessment is not planned (it is listed in
  ``Plan.closed``), nor is anything that counts from it.
* An activity counting from another counts from that activity's planned date (its
  ``earliest``, ``due`` or ``latest``), or from when it was done when ``done`` says so.
  Minimum intervals push ``earliest`` (and ``due`` and ``latest`` with it) later when needed.
* Activities are listed urgent first, soonest-closing first, then by due date; ties keep
  the protocol's order. The same facts always give the same plan.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import NamedTuple

from lantern.careplans.protocols.conditions import Predicate, rule_predicate
from lantern.careplans.protocols.errors import PlanError
from lantern.careplans.protocols.facts import Facts
from lantern.careplans.protocols.model import (
    POINTS,
    ActivitySpec,
    ExposureNotes,
    Protocol,
    ProtocolRef,
)

Window = tuple[datetime, datetime, datetime]  # earliest, due, latest
Adder = Callable[[datetime], datetime]
PLAIN, UNKNOWN, APPROXIMATE = 0, 1, 2  # which rationale an exposure window gets


class PlannedActivity(NamedTuple):
    """One dated activity of a plan (a named tuple: plans are made thousands of times a second)."""

    id: str  # the protocol's activity id (stable across versions)
    rule: str
    code: str
    title: str
    earliest: datetime
    due: datetime
    latest: datetime
    urgent: bool
    offer: bool  # put to the patient or left to the clinician, not booked as it stands
    rationale: str
    source: str
    # Urgent, and its window counts from an exposure whose time is unknown: decide now.
    exposure_unknown: bool = False

    def as_dict(self, texts: dict[datetime, str] | None = None) -> dict[str, object]:
        """The activity as ``lantern protocols plan`` prints it.

        ``texts`` remembers dates already written out: plans share many of them.
        """
        texts = {} if texts is None else texts
        return {
            "code": self.code,
            "title": self.title,
            "earliest": _iso(self.earliest, texts),
            "due": _iso(self.due, texts),
            "latest": _iso(self.latest, texts),
            "urgent": self.urgent,
            "rationale": self.rationale,
            "source": self.source,
        }


def _iso(moment: datetime, texts: dict[datetime, str]) -> str:
    text = texts.get(moment)
    if text is None:
        text = texts[moment] = moment.isoformat()
    return text


@dataclass(frozen=True)
class ClosedWindow:
    """An activity the rules called for whose window had closed before the assessment."""

    id: str
    rule: str
    code: str
    title: str
    latest: datetime
    source: str


@dataclass(frozen=True)
class Plan:
    protocol: ProtocolRef  # the protocol id and version the plan came from
    facts: Facts
    activities: tuple[PlannedActivity, ...]
    closed: tuple[ClosedWindow, ...] = ()

    def as_dict(self) -> dict[str, object]:
        """``{"protocol", "version", "activities": [...]}`` with ISO dates."""
        texts: dict[datetime, str] = {}
        return {
            "protocol": self.protocol.id,
            "version": self.protocol.version,
            "activities": [activity.as_dict(texts) for activity in self.activities],
        }

    def codes(self) -> list[str]:
        """The activity codes in plan order (a code repeats for each retest or dose)."""
        return [activity.code for activity in self.activities]


@dataclass(frozen=True)
class Step:
    """One activity, ready to plan: its rule's index, anchor and rationale variants."""

    spec: ActivitySpec
    id: str
    rule_id: str
    rule_index: int
    order: int
    event: str | None  # the event it counts from, or None for an activity
    anchor: str | None  # the activity it counts from
    point: int  # index into the anchor activity's window
    earliest: Adder
    due: Adder
    latest: Adder
    intervals: tuple[tuple[str, Adder], ...]
    rationales: tuple[str, str, str]  # as written; exposure time unknown; approximate
    decide_now: bool  # urgent and from the exposure: due at once when its time is unknown
    from_exposure: bool  # urgent, and counts from the exposure directly or through others


@dataclass(frozen=True)
class Compiled:
    predicates: tuple[Predicate, ...]
    steps: tuple[Step, ...]  # anchors before the activities that count from them


def compile_protocol(protocol: Protocol) -> Compiled:
    """Rules to predicates and activities to steps in anchor order (a checked protocol)."""
    notes = protocol.exposure_notes
    roots = _root_events(protocol)
    steps: list[Step] = []
    for rule_index, rule in enumerate(protocol.rules):
        for spec in rule.activities:
            anchor = spec.anchor
            steps.append(
                Step(
                    spec=spec,
                    id=spec.id,
                    rule_id=rule.id,
                    rule_index=rule_index,
                    order=len(steps),
                    event=anchor.event,
                    anchor=anchor.activity,
                    point=POINTS.index(anchor.point),
                    earliest=spec.earliest.adder,
                    due=spec.due.adder,
                    latest=spec.latest.adder,
                    intervals=tuple((i.after, i.interval.adder) for i in spec.minimum_intervals),
                    rationales=_rationales(spec.rationale, anchor.event, notes),
                    decide_now=spec.urgent and anchor.event == "exposure",
                    from_exposure=spec.urgent and roots[spec.id] == "exposure",
                )
            )
    predicates = tuple(rule_predicate(rule.when) for rule in protocol.rules)
    return Compiled(predicates=predicates, steps=_anchor_order(steps))


def _root_events(protocol: Protocol) -> dict[str, str]:
    """The event each activity's window counts from in the end, through its anchors."""
    by_id = protocol.activities_by_id
    roots: dict[str, str] = {}
    for activity_id in by_id:
        trail = [activity_id]
        while by_id[trail[-1]].anchor.event is None and trail[-1] not in roots:
            trail.append(str(by_id[trail[-1]].anchor.activity))  # checked: no cycles
        last = trail[-1]
        root = roots.get(last) or str(by_id[last].anchor.event)
        roots.update(dict.fromkeys(trail, root))
    return roots


def _anchor_order(steps: list[Step]) -> tuple[Step, ...]:
    """Steps in file order, except that a step comes after every step it counts from."""
    pending = {step.id: step for step in steps}
    ordered: list[Step] = []
    while pending:
        ready = [
            step
            for step in pending.values()
            if all(needed not in pending for needed in _needs(step))
        ]
        if not ready:
            raise ValueError(f"anchors form a cycle among: {', '.join(pending)}")
        for step in ready:
            del pending[step.id]
        ordered += ready
    return tuple(ordered)


def _needs(step: Step) -> list[str]:
    found = [after for after, _interval in step.intervals]
    if step.anchor is not None:
        found.append(step.anchor)
    return found


def plan(protocol: Protocol, facts: Facts, *, done: Mapping[str, datetime] | None = None) -> Plan:
    """The plan ``protocol`` makes for ``facts``.

    ``done`` maps activity ids to when they were done (e.g. a vaccine dose given at this
    visit): they are left out of the plan, and what counts from them counts from that time.
    """
    compiled = protocol.compiled
    fired = [predicate(facts) for predicate in compiled.predicates]
    zone = timezone(facts.assessed_at.utcoffset())  # type: ignore[arg-type]  # facts checked
    assessed = facts.assessed_at.astimezone(zone)
    events = _events(facts, zone, assessed)
    variant = _variant(facts)
    finished = _done(protocol, done, zone)
    windows: dict[str, Window] = {}
    planned: list[tuple[tuple[int, datetime, int], PlannedActivity]] = []
    closed: list[ClosedWindow] = []
    for step in compiled.steps:
        if not fired[step.rule_index]:
            continue
        if step.event is not None:
            base = events[step.event]
        elif step.anchor in windows:
            base = windows[step.anchor][step.point]
        else:
            continue  # counts from an activity that is not in this plan
        if step.id in finished:
            moment = finished[step.id]
            windows[step.id] = (moment, moment, moment)
            continue
        window = _window(step, base, assessed, windows, exposure_unknown=variant == UNKNOWN)
        if window is None:
            closed.append(_closed(step, step.latest(base)))
            continue
        windows[step.id] = window
        planned.append(_planned(step, window, variant))
    planned.sort(key=_first)
    return Plan(
        protocol=protocol.ref,
        facts=facts,
        activities=tuple(activity for _key, activity in planned),
        closed=tuple(closed),
    )


def _events(facts: Facts, zone: timezone, assessed: datetime) -> dict[str, datetime]:
    exposure, started = facts.exposure_at, facts.npep_started_at
    return {
        "assessment": assessed,
        "exposure": assessed if exposure is None else exposure.astimezone(zone),
        # Only rules that require npep_started_at to be known count from it.
        "npep_started": assessed if started is None else started.astimezone(zone),
    }


def _variant(facts: Facts) -> int:
    if facts.exposure_at is None:
        return UNKNOWN
    return APPROXIMATE if facts.exposure_approximate else PLAIN


def _window(
    step: Step,
    base: datetime,
    assessed: datetime,
    windows: Mapping[str, Window],
    *,
    exposure_unknown: bool,
) -> Window | None:
    """The step's dates, or None when its window closed before the assessment."""
    latest = step.latest(base)
    if latest < assessed:
        return None
    earliest = max(step.earliest(base), assessed)
    for after, interval in step.intervals:
        if after in windows:
            earliest = max(earliest, interval(windows[after][1]))
    if exposure_unknown and step.decide_now:
        return earliest, earliest, max(latest, earliest)  # exposure time unknown: decide now
    due = max(step.due(base), earliest)
    return earliest, due, max(latest, due)


def _planned(
    step: Step, window: Window, variant: int
) -> tuple[tuple[int, datetime, int], PlannedActivity]:
    """The planned activity with its place in the list: urgent by latest, others by due."""
    spec = step.spec
    activity = PlannedActivity(
        step.id,
        step.rule_id,
        spec.code,
        spec.title,
        window[0],
        window[1],
        window[2],
        spec.urgent,
        spec.offer,
        step.rationales[variant],
        spec.source,
        variant == UNKNOWN and step.from_exposure,
    )
    if spec.urgent:
        return (0, window[2], step.order), activity
    return (1, window[1], step.order), activity


def _first(entry: tuple[tuple[int, datetime, int], PlannedActivity]) -> tuple[int, datetime, int]:
    return entry[0]


def _rationales(rationale: str, event: str | None, notes: ExposureNotes) -> tuple[str, str, str]:
    if event != "exposure":
        return rationale, rationale, rationale
    return rationale, f"{rationale} {notes.unknown}", f"{rationale} {notes.approximate}"


def _closed(step: Step, latest: datetime) -> ClosedWindow:
    spec = step.spec
    return ClosedWindow(spec.id, step.rule_id, spec.code, spec.title, latest, spec.source)


def _done(
    protocol: Protocol, done: Mapping[str, datetime] | None, zone: timezone
) -> dict[str, datetime]:
    if not done:
        return {}
    unknown = sorted(set(done) - set(protocol.activities_by_id))
    if unknown:
        raise PlanError(f"{protocol.id} has no activity {', '.join(unknown)}")
    naive = sorted(key for key, moment in done.items() if moment.utcoffset() is None)
    if naive:
        raise PlanError(f"done times need a UTC offset: {', '.join(naive)}")
    return {key: moment.astimezone(zone) for key, moment in done.items()}
