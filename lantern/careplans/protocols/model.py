"""What a protocol is made of: plain, frozen values read from the data files.

Terms:

* **protocol**: one follow-up pathway (``sa-followup-v1``) at one ``version``, with the
  ``sources`` it rests on and its clinical-review status. A clinic's adapted copy is a
  protocol of its own, ``derived_from`` the original.
* **source**: one fact from the literature (or one of Lantern's own policies) with its
  citation and **level**: ``P`` primary text seen, ``S`` only a reputable secondary summary
  seen, ``U`` not verified. S and U sources need a ``needs_clinical_review`` note.
* **rule**: conditions on the facts (all must hold; an ``any`` group holds when one of its
  conditions does) and the activities they call for.
* **activity**: one dated task with a ``code`` from ``ACTIVITY_CODES`` and a window:
  ``earliest``, ``due`` and ``latest`` offsets after its **anchor**, which is an event
  (``exposure``, ``assessment``, ``npep_started``) or another activity's date. ``urgent``
  activities are time-critical; an ``offer`` is put to the patient or left to the clinician's
  judgement rather than scheduled.
* **minimum interval**: an activity is never planned sooner than this after another one of
  its rule (e.g. vaccine doses).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING

from lantern.careplans.protocols.offsets import Offset

if TYPE_CHECKING:
    from lantern.careplans.protocols.planning import Compiled

ACTIVITY_GROUPS: dict[str, tuple[str, ...]] = {
    "urgent": ("hiv-npep", "emergency-contraception", "sti-prophylaxis"),
    "follow-up": (
        "npep-adherence-check",
        "followup-exam",
        "hiv-retest",
        "syphilis-retest",
        "pregnancy-test",
    ),
    "vaccines": ("hbv-vaccine-dose", "hpv-vaccine-dose"),
    "ongoing": (
        "mental-health-rescreen",
        "annual-gyn-exam",
        "annual-physical",
        "chronic-medication-review",
    ),
}
ACTIVITY_CODES: tuple[str, ...] = tuple(
    code for codes in ACTIVITY_GROUPS.values() for code in codes
)
EVENTS: dict[str, str] = {  # anchor event -> the fact that dates it
    "exposure": "exposure_at",  # the assessment when the exposure time is unknown
    "assessment": "assessed_at",
    "npep_started": "npep_started_at",
}
POINTS = ("earliest", "due", "latest")
LEVELS = ("P", "S", "U")
NEEDS_CLINICAL_REVIEW, APPROVED = "needs_clinical_review", "approved"
REVIEW_STATUSES = (NEEDS_CLINICAL_REVIEW, APPROVED)


@dataclass(frozen=True)
class Source:
    id: str
    citation: str
    level: str  # "P", "S" or "U"
    url: str | None = None


@dataclass(frozen=True)
class ReviewNote:
    """What a clinical lead should confirm about one source before the protocol is used."""

    source: str
    note: str


@dataclass(frozen=True)
class Review:
    status: str = NEEDS_CLINICAL_REVIEW  # or "approved"
    approved_by: str | None = None
    approved_on: date | None = None


@dataclass(frozen=True)
class ProtocolRef:
    id: str
    version: str

    def __str__(self) -> str:
        return f"{self.id} {self.version}"


@dataclass(frozen=True)
class Condition:
    """One test on one fact.

    ``test`` is ``in`` / ``not_in`` (``values``), ``range`` (``low``/``high``, inclusive,
    either may be open), ``known`` (``flag``: the time is or is not null), ``empty``
    (``flag``) or ``contains_any`` / ``contains_none`` (``values``) for code lists.
    """

    fact: str
    test: str
    values: tuple[object, ...] = ()
    low: int | None = None
    high: int | None = None
    flag: bool | None = None


@dataclass(frozen=True)
class AnyOf:
    """Holds when at least one of its conditions holds."""

    conditions: tuple[Condition, ...]


Clause = Condition | AnyOf


@dataclass(frozen=True)
class Anchor:
    """Where a window counts from: an event, or a ``point`` of another activity's window."""

    event: str | None = None
    activity: str | None = None
    point: str = "due"

    def __str__(self) -> str:
        if self.event is not None:
            return self.event
        return f"{self.point} of {self.activity}"


@dataclass(frozen=True)
class MinimumInterval:
    after: str  # the id of another activity of the same rule
    interval: Offset


@dataclass(frozen=True)
class ActivitySpec:
    id: str  # unique in the protocol, stable across versions (diffs and anchors use it)
    code: str  # one of ACTIVITY_CODES
    title: str
    anchor: Anchor
    earliest: Offset
    due: Offset
    latest: Offset
    rationale: str
    source: str
    urgent: bool = False
    offer: bool = False
    minimum_intervals: tuple[MinimumInterval, ...] = ()


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    when: tuple[Clause, ...]
    activities: tuple[ActivitySpec, ...]


@dataclass(frozen=True)
class ExposureNotes:
    """Sentences added to the rationale of windows that count from the exposure."""

    unknown: str  # the exposure time is unknown: the window counts from the assessment
    approximate: str  # the time is the patient's estimate


@dataclass(frozen=True)
class Protocol:
    id: str
    version: str  # MAJOR.MINOR.PATCH
    title: str
    description: str
    sources: tuple[Source, ...]
    review: Review
    needs_clinical_review: tuple[ReviewNote, ...]
    exposure_notes: ExposureNotes
    rules: tuple[Rule, ...]
    derived_from: ProtocolRef | None = None

    @property
    def ref(self) -> ProtocolRef:
        return ProtocolRef(self.id, self.version)

    @cached_property
    def sources_by_id(self) -> dict[str, Source]:
        return {source.id: source for source in self.sources}

    @cached_property
    def activities(self) -> tuple[ActivitySpec, ...]:
        """Every activity of every rule, in file order."""
        return tuple(activity for rule in self.rules for activity in rule.activities)

    @cached_property
    def activities_by_id(self) -> dict[str, ActivitySpec]:
        return {activity.id: activity for activity in self.activities}

    @property
    def needs_review(self) -> bool:
        """True until a clinical lead has approved this protocol."""
        return self.review.status != APPROVED

    @cached_property
    def compiled(self) -> Compiled:
        """The rules turned into predicates and an anchor order, built once per protocol."""
        # Imported here: the planner imports this module.
        from lantern.careplans.protocols.planning import compile_protocol

        return compile_protocol(self)

    def source(self, source_id: str) -> Source:
        """The source with this id; KeyError if there is none."""
        return self.sources_by_id[source_id]
