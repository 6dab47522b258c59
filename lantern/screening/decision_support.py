"""What to do next after a screen: pure rules over plain results, no database.

* Trafficking concern (an indicator checklist with a concern flag, or a positive validated
  trafficking screen): the PEARR steps (Provide privacy, Educate, Ask, Respect, Respond;
  Dignity Health, HEAL Trafficking and Pacific Survivor Center, 2018) and suggested
  ICD-10-CM codes for the clinician to discuss with the patient, never applied by Lantern:
  sexual or labour exploitation (as the recorded signs point), history and ruled out, with
  the 7th character the clinician's statement of the phase of care calls for.
* Urgent flags (e.g. any thought of self-harm on PHQ-9 item 9, ASQ acute positive): a
  banner that stays until a clinician acknowledges it and says what they did.
* Minors: a notice that reporting duties for people under 18 are set by law and differ
  from an adult's choice; age unknown is treated as possibly a minor.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from lantern.patients.age import ADULT_AGE

CODES_FILE = Path(__file__).resolve().parent / "data" / "exploitation_codes.json"
ACKNOWLEDGE_SEVERITIES = frozenset({"urgent", "imminent"})  # as in screening.models


@dataclass(frozen=True)
class CodeOption:
    code: str  # as listed in the code set, without its 7th character, e.g. "T76.51"
    title: Mapping[str, str]
    certainty: str  # "suspected" | "confirmed" | "history" | "ruled_out"
    suggested: bool  # the one Lantern proposes first; the others are alternatives
    seventh: bool = False  # a T code that needs a 7th character (see ``with_seventh``)


@dataclass(frozen=True)
class Advice:
    trafficking_concern: bool
    urgent_flags: tuple[tuple[str, str], ...]  # (instrument id, flag code) needing acknowledgement
    minor: bool | None  # None: age unknown
    codes: tuple[CodeOption, ...] = field(default=())

    @property
    def minor_pathway(self) -> bool:
        return self.trafficking_concern and self.minor is not False

    @property
    def needs_seventh_character(self) -> bool:
        return any(option.seventh for option in self.codes)


@cache
def code_table() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(CODES_FILE.read_text(encoding="utf-8"))
    return data


def needs_acknowledgement(flag: Mapping[str, Any]) -> bool:
    """An urgent or imminent flag stays on screen until a clinician acknowledges it."""
    return flag.get("severity") in ACKNOWLEDGE_SEVERITIES


def encounter_phases() -> dict[str, Mapping[str, Any]]:
    """The phases of care a 7th character stands for: "active", "after", "sequela"."""
    phases: dict[str, Mapping[str, Any]] = code_table()["seventh_character"]["phases"]
    return phases


def encounter_character(phase: str) -> str:
    """The 7th character of a T74/T76 code for the phase of care the clinician states.

    ICD-10-CM Official Guidelines for Coding and Reporting FY2019, I.C.19.a: "A" (initial
    encounter) for each encounter where the patient receives active treatment for the
    condition, however many there were before; "D" (subsequent encounter) for encounters
    after active treatment, during healing or recovery; "S" for sequelae, conditions that
    arise as a direct result of it. Only the clinician knows which applies: Lantern asks.
    KeyError for an unknown phase.
    """
    return str(encounter_phases()[phase]["character"])


def takes_seventh(code: str) -> bool:
    entry = code_table()["codes"].get(code)
    return bool(entry and entry["seventh"])


def with_seventh(code: str, phase: str) -> str:
    """The code as recorded: T codes take their 7th character, padded with X to the 7th
    place (T76.51 in active treatment: T76.51XA); other codes stay as they are."""
    if not takes_seventh(code):
        return code
    return f"{code}X{encounter_character(phase)}"


CERTAINTY_ORDER = {"suspected": 0, "confirmed": 1, "history": 2, "ruled_out": 3}


def code_options(
    *, minor: bool | None, families: Sequence[str] = ("sexual",)
) -> tuple[CodeOption, ...]:
    """The codes of ``families`` ("sexual", "labor"; the first is the one suggested) for the
    patient's age group: suspected first, then confirmed, history, and ruled out.

    With age unknown both the child and the adult codes are offered; the child code is
    suggested, because a person under 18 is a trafficking victim without any force.
    History codes (Z91.42, Z62.813) cover forced labour and sexual exploitation alike.
    """
    ages = {"child"} if minor else {"adult"} if minor is False else {"child", "adult"}
    rank = {family: index for index, family in enumerate(families)}
    options = []
    for code, entry in code_table()["codes"].items():
        family = entry["family"]
        if (family != "any" and family not in rank) or (
            entry["age"] != "any" and entry["age"] not in ages
        ):
            continue
        order = (CERTAINTY_ORDER[entry["certainty"]], rank.get(family, 0), entry["age"] != "child")
        options.append((order, code, entry))
    options.sort(key=lambda option: option[0])
    suggested = options[0][1] if options else None
    return tuple(
        CodeOption(code, entry["title"], entry["certainty"], code == suggested, entry["seventh"])
        for _order, code, entry in options
    )


def code_families(results: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    """Which exploitation the recorded signs point to, the more specific first.

    Labour codes when labour indicators were recorded; sexual exploitation codes when its
    indicators were recorded, when a validated trafficking screen is positive, or when a
    key sign raised a concern that no labour indicator explains.
    """
    raised = {
        str(flag.get("code"))
        for result in results
        if result.get("category") == "trafficking"
        for flag in result.get("flags", ())
    }
    wanted = code_table()["families"]
    labor = bool(raised & set(wanted["labor"]["flags"]))
    sexual_signs = bool(raised & set(wanted["sexual"]["flags"])) or any(
        result.get("category") == "trafficking" and result.get("positive") for result in results
    )
    if sexual_signs:
        return ("sexual", "labor") if labor else ("sexual",)
    if labor:
        return ("labor", "sexual") if "concern" in raised else ("labor",)
    return ("sexual",)


def advise(results: Iterable[Mapping[str, Any]], age: int | None) -> Advice:
    """Next steps for a set of results (each a ScoreResult.as_dict() plus "category")."""
    results = list(results)
    minor = None if age is None else age < ADULT_AGE
    concern = any(_is_trafficking_concern(result) for result in results)
    urgent = tuple(
        (str(result["instrument_id"]), str(flag["code"]))
        for result in results
        for flag in result.get("flags", ())
        if needs_acknowledgement(flag)
    )
    codes = code_options(minor=minor, families=code_families(results)) if concern else ()
    return Advice(trafficking_concern=concern, urgent_flags=urgent, minor=minor, codes=codes)


def _is_trafficking_concern(result: Mapping[str, Any]) -> bool:
    if result.get("category") != "trafficking":
        return False
    flags: Sequence[Mapping[str, Any]] = result.get("flags", ())
    return bool(result.get("positive")) or any(flag.get("severity") == "concern" for flag in flags)


def compare(previous: Mapping[str, Any] | None, current: Mapping[str, Any]) -> str:
    """How a re-screen moved: "first", "higher", "lower" or "same" total; "incomplete" when
    this result has no total (a question was declined), so no change can be told."""
    if current.get("total") is None:
        return "incomplete"
    if previous is None or previous.get("total") is None:
        return "first"
    if current["total"] > previous["total"]:
        return "higher"
    if current["total"] < previous["total"]:
        return "lower"
    return "same"
