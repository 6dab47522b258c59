"""Checks on a protocol's meaning; every problem is (where, reason).

Refused: ids and versions that do not follow the pattern; duplicate sources, rules or
activities; a source of unknown level, a missing or unknown source, an S or U source without
a ``needs_clinical_review`` note, an approval without who and when; conditions on unknown
facts, with a test that does not suit the fact or values it never has, and rules whose
conditions can never all hold; unknown activity codes; windows out of order (earliest after
due, due after latest); anchors on unknown events or activities, on ``npep_started`` without
the condition that nPEP was started, and anchors or minimum intervals that form a cycle;
two windows of the same activity code that overlap when both can be in one plan.

``LIMITS`` is how large a protocol may be: a hostile or careless file (a clinic's copy, a
file an operator checks) is refused with the place and the limit it passes, before it can
exhaust memory or time. ``reading`` applies the file, nesting, count and length limits as
it reads; ``problems`` refuses conditions that open into too many alternatives and windows
that can be planned too far ahead for dates to stay meaningful.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from lantern.careplans.protocols.conditions import (
    clause_problems,
    exclusive_opened,
    never_holds,
    opened,
)
from lantern.careplans.protocols.errors import Problem
from lantern.careplans.protocols.model import (
    ACTIVITY_CODES,
    APPROVED,
    EVENTS,
    LEVELS,
    POINTS,
    REVIEW_STATUSES,
    ActivitySpec,
    AnyOf,
    Condition,
    Protocol,
    Rule,
)

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
VERSION_PATTERN = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
URL_PATTERN = re.compile(r"^https?://[^\s]+$")
STARTED = Condition("npep_started_at", "known", flag=True)


@dataclass(frozen=True)
class Limits:
    """How large a protocol may be. The shipped protocol uses a small part of each limit.

    Dose series are one activity per dose (there is no repeat count in the format), so
    ``activities_per_rule`` bounds them; every offset is at most ten years (``offsets``) and
    a whole chain of windows at most ``plan_years`` after the event it counts from.
    """

    file_bytes: int = 1_000_000  # the file, or the text pasted on the clinical lead's page
    json_depth: int = 16  # objects and lists inside one another (the format needs 8)
    rules: int = 100
    activities_per_rule: int = 20
    activities: int = 300
    conditions_per_rule: int = 20
    conditions_per_group: int = 10  # in one "any" group; groups do not nest
    alternatives_per_rule: int = 16  # the product of the rule's "any" group sizes
    values_per_condition: int = 50
    minimum_intervals: int = 10  # per activity
    sources: int = 100
    review_notes: int = 200
    plan_years: int = 20
    largest_number: int = 1_000_000  # in a condition (ages and dose counts are far below)
    # Characters per text field, by field name; any other text field has ``other_chars``.
    chars: Mapping[str, int] = field(
        default_factory=lambda: {
            "id": 80,
            "source": 80,
            "version": 20,
            "title": 200,
            "description": 3000,
            "rationale": 1500,
            "citation": 1000,
            "url": 500,
            "note": 1000,
            "unknown": 500,
            "approximate": 500,
        }
    )
    other_chars: int = 100  # codes, fact names, points, statuses, who approved

    def chars_for(self, name: str) -> int:
        return self.chars.get(name, self.other_chars)


LIMITS = Limits()


def problems(protocol: Protocol) -> list[Problem]:
    """Every problem found in the protocol, in the order of the file."""
    too_large = list(_alternatives(protocol))
    if too_large:  # the checks below open every alternative: not past the limit
        return too_large
    found = list(_header(protocol))
    found += _sources(protocol)
    found += _review(protocol)
    seen: set[str] = set()
    for rule in protocol.rules:
        found += _rule(protocol, rule, seen)
    found += _duplicates(protocol)
    found += _cycles(protocol)
    found += _overlaps(protocol)
    if not found:  # reach follows every anchor: only once they all lead to an event
        found += _reach(protocol)
    return found


def activity_where(rule: Rule, activity: ActivitySpec) -> str:
    return f"rule {rule.id}, activity {activity.id}"


def _header(protocol: Protocol) -> Iterator[Problem]:
    if not ID_PATTERN.match(protocol.id):
        yield "protocol", f"id '{protocol.id}' must be lower-case letters, digits and '-'"
    if not VERSION_PATTERN.match(protocol.version):
        yield "protocol", f"version '{protocol.version}' must be MAJOR.MINOR.PATCH, e.g. 1.0.0"
    if not protocol.rules:
        yield "rules", "a protocol needs at least one rule"


def _sources(protocol: Protocol) -> Iterator[Problem]:
    for source_id, count in Counter(source.id for source in protocol.sources).items():
        if count > 1:
            yield f"source {source_id}", f"duplicate source id ({count} sources share it)"
    for source in protocol.sources:
        where = f"source {source.id}"
        if not ID_PATTERN.match(source.id):
            yield where, "source ids are lower-case letters, digits and '-'"
        if source.level not in LEVELS:
            yield where, f"unknown level '{source.level}' (P primary, S secondary, U unverified)"
        if source.url is not None and not URL_PATTERN.match(source.url):
            yield where, f"'{source.url}' is not an http(s) address"


def _review(protocol: Protocol) -> Iterator[Problem]:
    review = protocol.review
    if review.status not in REVIEW_STATUSES:
        yield "review", f"unknown status '{review.status}' ({', '.join(REVIEW_STATUSES)})"
    elif review.status == APPROVED and not (review.approved_by and review.approved_on):
        yield "review", "an approved protocol names who approved it (approved_by) and when"
    elif review.status != APPROVED and (review.approved_by or review.approved_on):
        yield "review", "approved_by and approved_on are only for an approved protocol"
    noted = {note.source for note in protocol.needs_clinical_review}
    for index, note in enumerate(protocol.needs_clinical_review):
        if note.source not in protocol.sources_by_id:
            yield f"needs_clinical_review[{index}]", f"unknown source '{note.source}'"
    for source in protocol.sources:
        if source.level in ("S", "U") and source.id not in noted:
            yield (
                f"source {source.id}",
                f"level {source.level}: add a needs_clinical_review note saying what to confirm",
            )


def _rule(protocol: Protocol, rule: Rule, seen: set[str]) -> Iterator[Problem]:
    where = f"rule {rule.id}"
    if not ID_PATTERN.match(rule.id):
        yield where, "rule ids are lower-case letters, digits and '-'"
    if rule.id in seen:
        yield where, "duplicate rule id"
    seen.add(rule.id)
    if not rule.activities:
        yield where, "a rule needs at least one activity"
    for index, clause in enumerate(rule.when):
        yield from clause_problems(clause, f"{where}, condition {index + 1}")
    blocked = never_holds(rule.when)
    if blocked is not None:
        yield where, f"the conditions can never all hold: no value of '{blocked}' fits them all"
    own = {activity.id for activity in rule.activities}
    for activity in rule.activities:
        yield from _activity(protocol, rule, activity, own)


def _activity(
    protocol: Protocol, rule: Rule, activity: ActivitySpec, own: set[str]
) -> Iterator[Problem]:
    where = activity_where(rule, activity)
    if not ID_PATTERN.match(activity.id):
        yield where, "activity ids are lower-case letters, digits and '-'"
    if activity.code not in ACTIVITY_CODES:
        yield where, f"unknown activity code '{activity.code}' (known: {', '.join(ACTIVITY_CODES)})"
    if activity.source not in protocol.sources_by_id:
        yield where, f"unknown source '{activity.source}'"
    for earlier, later in (("earliest", "due"), ("due", "latest")):
        first, second = getattr(activity, earlier), getattr(activity, later)
        if not first.at_most(second):
            yield where, f"window out of order: {earlier} {first} can fall after {later} {second}"
    yield from _anchor(protocol, rule, activity)
    for interval in activity.minimum_intervals:
        if interval.after == activity.id:
            yield where, "a minimum interval cannot be counted from the activity itself"
        elif interval.after not in own:
            yield where, f"minimum interval after '{interval.after}', not an activity of this rule"


def _anchor(protocol: Protocol, rule: Rule, activity: ActivitySpec) -> Iterator[Problem]:
    where, anchor = activity_where(rule, activity), activity.anchor
    if anchor.event is not None:
        if anchor.event not in EVENTS:
            yield where, f"counts from unknown event '{anchor.event}' ({', '.join(EVENTS)})"
        elif anchor.event == "npep_started" and STARTED not in rule.when:
            yield (
                where,
                "counts from npep_started: the rule needs the condition "
                '{"fact": "npep_started_at", "known": true}',
            )
        return
    if anchor.activity == activity.id:
        yield where, "an activity cannot count from itself"
    elif anchor.activity not in protocol.activities_by_id:
        yield where, f"counts from unknown activity '{anchor.activity}'"
    if anchor.point not in POINTS:
        yield where, f"unknown point '{anchor.point}' ({', '.join(POINTS)})"


def _alternatives(protocol: Protocol) -> Iterator[Problem]:
    """Each "any" group multiplies the ways a rule can hold; checks open every one of them."""
    for rule in protocol.rules:
        count = math.prod(len(c.conditions) for c in rule.when if isinstance(c, AnyOf))
        if count > LIMITS.alternatives_per_rule:
            yield (
                f"rule {rule.id}",
                f"its 'any' groups open into {count} alternatives: at most "
                f"{LIMITS.alternatives_per_rule} (split the rule)",
            )


def _reach(protocol: Protocol) -> Iterator[Problem]:
    """No window is planned more than ``plan_years`` after the event it counts from.

    The longest each point can be, in hours after the event, follows the anchors and the
    minimum intervals (in the planner's order: anchors first).
    """
    limit = LIMITS.plan_years * 366 * 24
    points: dict[str, tuple[float, float, float]] = {}
    for step in protocol.compiled.steps:
        spec = step.spec
        base = 0.0 if step.event is not None else points[str(step.anchor)][step.point]
        earliest = base + spec.earliest.longest_hours
        for interval in spec.minimum_intervals:
            earliest = max(earliest, points[interval.after][1] + interval.interval.longest_hours)
        due = max(base + spec.due.longest_hours, earliest)
        points[step.id] = (earliest, due, max(base + spec.latest.longest_hours, due))
        if points[step.id][2] > limit:
            yield (
                activity_where(protocol.rules[step.rule_index], spec),
                f"can be planned {points[step.id][2] / 8784:.0f} years after the event its "
                f"chain of windows counts from: at most {LIMITS.plan_years}",
            )


def _duplicates(protocol: Protocol) -> Iterator[Problem]:
    counts = Counter(activity.id for activity in protocol.activities)
    for activity_id, count in counts.items():
        if count > 1:
            yield f"activity {activity_id}", f"duplicate activity id ({count} activities share it)"


def _cycles(protocol: Protocol) -> Iterator[Problem]:
    """Anchors and minimum intervals must lead back to an event, never round in a circle."""
    by_id = protocol.activities_by_id
    rule_of = {a.id: rule for rule in protocol.rules for a in rule.activities}
    state: dict[str, str] = {}  # "open" while its dependencies are walked, then "done"
    stack: list[str] = []
    cycles: list[list[str]] = []

    def walk(activity_id: str) -> None:
        state[activity_id] = "open"
        stack.append(activity_id)
        for needed in _depends_on(by_id[activity_id]):
            if needed not in by_id:
                continue  # reported as an unknown activity
            if state.get(needed) == "open":
                cycles.append([*stack[stack.index(needed) :], needed])
            elif needed not in state:
                walk(needed)
        stack.pop()
        state[activity_id] = "done"

    for activity_id in by_id:
        if activity_id not in state:
            walk(activity_id)
    for cycle in cycles:
        first = by_id[cycle[0]]
        yield (
            activity_where(rule_of[first.id], first),
            "anchors form a cycle: " + " -> ".join(cycle),
        )


def _depends_on(activity: ActivitySpec) -> list[str]:
    found = [interval.after for interval in activity.minimum_intervals]
    if activity.anchor.activity is not None:
        found.insert(0, activity.anchor.activity)
    return found


def _overlaps(protocol: Protocol) -> Iterator[Problem]:
    """Same-code windows that may be in one plan must not overlap (one task per window)."""
    spans = _spans(protocol)
    entries = [
        (number, rule, activity)
        for number, rule in enumerate(protocol.rules)
        for activity in rule.activities
        if activity.id in spans
    ]
    rules = [opened(rule.when) for rule in protocol.rules]
    apart: dict[tuple[int, int], bool] = {}  # whether two rules exclude each other, by index
    for index, (number, rule, activity) in enumerate(entries):
        for other_number, other_rule, other in entries[index + 1 :]:
            if other.code != activity.code or spans[other.id][0] != spans[activity.id][0]:
                continue
            pair = (number, other_number)
            if pair not in apart:
                apart[pair] = other_rule is not rule and exclusive_opened(
                    rules[number], rules[other_number]
                )
            if apart[pair]:
                continue
            _, start, end = spans[activity.id]
            _, other_start, other_end = spans[other.id]
            if max(start, other_start) < min(end, other_end):
                yield (
                    activity_where(other_rule, other),
                    f"window overlaps activity '{activity.id}' (both {activity.code} "
                    f"from {spans[activity.id][0]}): one {activity.code} per window",
                )


def _spans(protocol: Protocol) -> dict[str, tuple[str, float, float]]:
    """Per activity: its root event, and the widest its window can be, in hours after it."""
    by_id = protocol.activities_by_id
    spans: dict[str, tuple[str, float, float]] = {}
    points: dict[str, dict[str, tuple[float, float]]] = {}

    def visit(activity_id: str, trail: frozenset[str]) -> None:
        activity = by_id[activity_id]
        anchor = activity.anchor
        if anchor.event is not None:
            root, low, high = anchor.event, 0.0, 0.0
        elif anchor.activity in by_id and anchor.activity not in trail:
            if anchor.activity not in spans:
                visit(anchor.activity, trail | {activity_id})
            if anchor.activity not in spans or anchor.point not in POINTS:
                return
            root = spans[anchor.activity][0]
            low, high = points[anchor.activity][anchor.point]
        else:
            return
        offsets = {name: getattr(activity, name) for name in POINTS}
        points[activity_id] = {
            name: (low + offset.shortest_hours, high + offset.longest_hours)
            for name, offset in offsets.items()
        }
        spans[activity_id] = (
            root,
            points[activity_id]["earliest"][0],
            points[activity_id]["latest"][1],
        )

    for activity_id in by_id:
        if activity_id not in spans:
            visit(activity_id, frozenset())
    return spans
