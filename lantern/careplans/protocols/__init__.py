"""Follow-up protocols as versioned data, planned by pure functions (no Django, no database).

A protocol is one JSON file in ``data/`` (format ``lantern-protocol/1``, see
``docs/protocols.md``): id, version, title, sources with their level of verification, the
clinical-review status and notes, and rules that turn facts about a patient into dated
activities. Everything a clinic may change is data; this package only reads, checks and
applies it.

Planning::

    from lantern.careplans import protocols

    protocol = protocols.get_protocol("sa-followup-v1")   # or load_protocol(stored_json)
    facts = protocols.parse_facts(json_object)            # or protocols.Facts(...)
    plan = protocols.plan(protocol, facts)
    plan.protocol                # ProtocolRef: id and version, to store with the plan
    for activity in plan.activities:
        activity.id, activity.code, activity.title           # id: stable within the protocol
        activity.earliest, activity.due, activity.latest     # aware datetimes
        activity.urgent, activity.offer, activity.rationale, activity.source
    plan.closed                  # windows the rules called for that had already closed
    plan.as_dict()               # exactly what ``lantern protocols plan`` prints

* ``Facts`` / ``parse_facts(data)``: the facts contract (``facts`` module docstring). Wrong
  or contradictory facts raise ``FactsError`` with ``problems``: (field, reason) pairs.
* ``plan(protocol, facts, done={activity_id: datetime})``: ``done`` marks activities already
  done (a dose given at this visit); later ones count from when they were done. The same
  inputs always give the same plan; a plan keeps the protocol id and version it came from,
  so storing it and never re-planning it under a newer version keeps old plans unchanged.
* ``ACTIVITY_CODES`` / ``ACTIVITY_GROUPS``: the activity codes a protocol may use (urgent,
  follow-up, vaccines, ongoing care). Titles and rationales are English data; the UI
  translates its own labels for the codes.

Protocols and clinic copies:

* ``all_protocols()``, ``get_protocol(id)``: the shipped protocols, checked once.
* ``load_protocol(data, name=...)``, ``load_protocol_file(path)``: read and check any
  protocol (a clinic's stored copy); ``ProtocolFileError`` names the file, the place
  (``rule npep, activity hiv-npep``) and the reason for every problem.
* ``read_json(text)``: a protocol's or a set of facts' JSON text, within ``LIMITS`` (size,
  nesting); ``JsonTextError`` says what is wrong. ``read_limited(path)`` reads a file no
  further than the size limit. ``LIMITS`` is every size limit.
* ``dump_protocol(protocol)``: the protocol as file data, for storing a copy.
* ``copy_protocol(protocol, id=..., version=...)``: a copy derived from the original and
  needing review; ``diff_protocols(original, copy)`` lists every ``Change`` (rule and field
  level, ``format_diff`` prints them); ``approve_protocol(copy, approved_by=, approved_on=)``
  records the clinical lead's approval before the copy is published.
"""

from lantern.careplans.protocols.adaptation import (
    Change,
    approve_protocol,
    copy_protocol,
    diff_protocols,
    format_diff,
)
from lantern.careplans.protocols.errors import (
    FactsError,
    JsonTextError,
    PlanError,
    ProtocolFileError,
)
from lantern.careplans.protocols.facts import FIELDS, SCREENS, STI_SIGNS, Facts, parse_facts
from lantern.careplans.protocols.model import (
    ACTIVITY_CODES,
    ACTIVITY_GROUPS,
    ActivitySpec,
    Protocol,
    ProtocolRef,
    Review,
    ReviewNote,
    Rule,
    Source,
)
from lantern.careplans.protocols.planning import ClosedWindow, Plan, PlannedActivity, plan
from lantern.careplans.protocols.reading import dump_protocol
from lantern.careplans.protocols.registry import (
    DATA_DIR,
    all_protocols,
    get_protocol,
    load_protocol,
    load_protocol_file,
    read_json,
    read_limited,
)
from lantern.careplans.protocols.validation import LIMITS, Limits

__all__ = [
    "ACTIVITY_CODES",
    "ACTIVITY_GROUPS",
    "DATA_DIR",
    "FIELDS",
    "LIMITS",
    "SCREENS",
    "STI_SIGNS",
    "ActivitySpec",
    "Change",
    "ClosedWindow",
    "Facts",
    "FactsError",
    "JsonTextError",
    "Limits",
    "Plan",
    "PlanError",
    "PlannedActivity",
    "Protocol",
    "ProtocolFileError",
    "ProtocolRef",
    "Review",
    "ReviewNote",
    "Rule",
    "Source",
    "all_protocols",
    "approve_protocol",
    "copy_protocol",
    "diff_protocols",
    "dump_protocol",
    "format_diff",
    "get_protocol",
    "load_protocol",
    "load_protocol_file",
    "parse_facts",
    "plan",
    "read_json",
    "read_limited",
]
