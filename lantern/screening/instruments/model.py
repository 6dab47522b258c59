"""What an instrument is made of: plain, frozen values read from the data files.

Terms:

* **instrument** — one questionnaire as published (PHQ-9, ASQ, ...) or Lantern's own
  checklist, at one Lantern data ``version``.
* **item** — one question (``choice`` or ``boolean``) or a line of text (``display``), with a
  stable ``link_id``. ``scored`` items add to the total.
* **answer option** — a choice with a stable ``code`` and, on scored items, its ``score``.
* **display condition** (``enable_when``) — an item is asked only when an earlier item has a
  given answer (any or all of its conditions, ``enable_behavior``).
* **band** — a named stretch of totals (``low``..``high``), or, for yes/no screens, the
  ``negative``/``positive`` result; a flag may replace the band (e.g. ASQ acute positive).
* **threshold** — the total at or above which a screen is positive; clinics may pick one of
  the ``allowed`` values where the literature offers a choice.
* **flag rule** — raises a flag from particular answers whatever the total.
* **declined** — the patient preferred not to answer. Every question of an instrument a
  patient may answer on their own (``self`` administration) offers it. A declined question
  adds nothing to the total; a result with a declined scored or required question (a
  required one may open scored ones) is *incomplete* and has no total, unless the
  instrument's authors say declining is a positive screen (``declined_means``:
  ``"positive"``, e.g. ASQ per NIMH).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

LocalizedText = Mapping[str, str]

CATEGORIES = ("mental_health", "suicide_risk", "trafficking")
SCORING_METHODS = ("sum", "count_yes")
ITEM_TYPES = ("choice", "boolean", "display")
ENABLE_BEHAVIORS = ("any", "all")
BAND_SEVERITIES = (
    "none",
    "mild",
    "moderate",
    "moderately_severe",
    "severe",
    "positive",
    "acute",
    "concern",
)
SCREEN_BANDS = ("negative", "positive")
# Most pressing first: results list their flags in this order.
FLAG_SEVERITIES = ("imminent", "urgent", "concern", "info")
ADMINISTRATION_MODES = ("self", "clinician")
YES, NO = "yes", "no"
DECLINED = "declined"  # the answer code of "prefer not to answer", on every declinable item
DECLINED_MEANINGS = ("incomplete", "positive")


def text_in(text: Mapping[str, str] | None, language: str) -> str:
    """An instrument's text in ``language`` ("es-mx" falls back to "es"), else in English."""
    if not text:
        return ""
    return text.get(language) or text.get(language.split("-")[0]) or text.get("en", "")


@dataclass(frozen=True)
class Source:
    citation: str
    url: str | None = None


@dataclass(frozen=True)
class AnswerOption:
    code: str
    display: LocalizedText
    score: int | None = None
    loinc: str | None = None  # a LOINC answer code (LA...) where one is known

    @property
    def declines(self) -> bool:
        """The patient preferred not to answer."""
        return self.code == DECLINED


@dataclass(frozen=True)
class EnableWhen:
    """Ask the item only when the item ``link_id`` was answered ``answer``."""

    link_id: str
    answer: str


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: loaded once, shared
class Item:
    link_id: str
    type: str
    text: LocalizedText
    options: tuple[AnswerOption, ...] = ()
    scored: bool = False
    required: bool = False
    enable_when: tuple[EnableWhen, ...] = ()
    enable_behavior: str = "any"
    loinc: str | None = None
    help: LocalizedText | None = None  # a note for staff, never shown as the question

    @property
    def answerable(self) -> bool:
        return self.type != "display"

    @cached_property
    def options_by_code(self) -> dict[str, AnswerOption]:
        return {option.code: option for option in self.options}

    @cached_property
    def options_by_score(self) -> dict[int, tuple[AnswerOption, ...]]:
        found: dict[int, tuple[AnswerOption, ...]] = {}
        for option in self.options:
            if option.score is not None:
                found[option.score] = (*found.get(option.score, ()), option)
        return found

    def option(self, code: str) -> AnswerOption:
        """The answer option with this code; KeyError if there is none."""
        return self.options_by_code[code]


@dataclass(frozen=True)
class Band:
    code: str
    label: LocalizedText
    severity: str
    low: int | None = None
    high: int | None = None
    screen: str | None = None  # "negative" | "positive" for yes/no screens

    @property
    def by_total(self) -> bool:
        return self.low is not None or self.high is not None

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "label": dict(self.label),
            "severity": self.severity,
            "min": self.low,
            "max": self.high,
        }


@dataclass(frozen=True)
class Threshold:
    default: int
    allowed: tuple[int, ...]


@dataclass(frozen=True)
class FlagCondition:
    """Met when ``link_id`` has one of ``answers``, or a score of at least ``score_at_least``."""

    link_id: str
    answers: tuple[str, ...] = ()
    score_at_least: int | None = None


@dataclass(frozen=True)
class FlagRule:
    code: str
    severity: str
    message: LocalizedText
    when: tuple[FlagCondition, ...]
    match: str = "any"  # "any" | "all" of the conditions
    makes_positive: bool = False
    band: str | None = None  # a band code that replaces the band the total gives


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: loaded once, shared
class Instrument:
    id: str
    version: str  # Lantern's data version, e.g. "1.0.0"
    published_version: str  # the instrument's own published form and year, in words
    published_year: int
    abbreviation: str
    title: LocalizedText
    description: LocalizedText
    category: str
    sensitive: bool  # trafficking or violence questions: private screening first
    decision_support_only: bool  # Lantern's own checklist: counts signs, never "positive"
    administration: tuple[str, ...]  # "self" (patient on a tablet) and/or "clinician"
    sources: tuple[Source, ...]
    licence: str
    licence_short: str
    languages: tuple[str, ...]
    translations: LocalizedText  # per language: where the wording comes from
    intro: LocalizedText
    items: tuple[Item, ...]
    scoring: str
    bands: tuple[Band, ...]
    threshold: Threshold | None
    flag_rules: tuple[FlagRule, ...] = ()
    guidance: LocalizedText | None = None  # for staff: what a result means
    loinc: str | None = None  # the panel (questionnaire) code
    loinc_total: str | None = None  # the total score code
    needs_clinical_review: tuple[str, ...] = field(default=())
    # What a declined scored question means: the result is "incomplete" (the default), or
    # the screen is "positive" because the instrument's authors say so, with a note saying it.
    declined_means: str = "incomplete"
    declined_note: LocalizedText | None = None
    date: str | None = None  # ISO date this data version was last changed

    @property
    def declinable(self) -> bool:
        """A patient may answer it alone, so each question offers "prefer not to answer"."""
        return "self" in self.administration

    @property
    def in_review(self) -> bool:
        """Clinical review notes remain: the instrument is published as a draft."""
        return bool(self.needs_clinical_review)

    @cached_property
    def items_by_id(self) -> dict[str, Item]:
        return {item.link_id: item for item in self.items}

    @cached_property
    def positions(self) -> dict[str, int]:
        return {item.link_id: index for index, item in enumerate(self.items)}

    def item(self, link_id: str) -> Item:
        """The item with this linkId; KeyError if there is none."""
        return self.items_by_id[link_id]

    @property
    def default_threshold(self) -> int | None:
        return self.threshold.default if self.threshold else None

    @property
    def allowed_thresholds(self) -> tuple[int, ...]:
        return self.threshold.allowed if self.threshold else ()

    @cached_property
    def min_total(self) -> int:
        """Lowest possible total: items that may go unasked or unanswered can give 0."""
        return sum(
            min((option.score or 0 for option in item.options), default=0)
            for item in self.items
            if item.scored and item.required and not item.enable_when
        )

    @cached_property
    def max_total(self) -> int:
        return sum(
            max((option.score or 0 for option in item.options), default=0)
            for item in self.items
            if item.scored
        )

    def band(self, code: str) -> Band:
        """The band with this code; KeyError if there is none."""
        for band in self.bands:
            if band.code == code:
                return band
        raise KeyError(code)
