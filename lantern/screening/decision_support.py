"""What to do next after a screen: pure rules over plain results, no database.

* Trafficking concern (an indicator checklist with a concern flag, or a positive validated
  trafficking screen): the PEARR steps (Provide privacy, Educate, Ask, Respect, Respond;
  Dignity Health, HEAL Trafficking and Pacific Survivor Center, 2018) and suggested
  ICD-10-CM codes for the clinician to discuss with the patient, never applied by Lantern.
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
ACKNOWLEDGE_SEVERITIES = frozenset({"urgent", "imminent"})


@dataclass(frozen=True)
class CodeOption:
    code: str  # with its 7th character where one is needed, e.g. "T76.51XA"
    title: Mapping[str, str]
    certainty: str  # "suspected" | "confirmed" | "ruled_out"
    suggested: bool  # the one Lantern proposes first; the others are alternatives


@dataclass(frozen=True)
class Advice:
    trafficking_concern: bool
    urgent_flags: tuple[tuple[str, str], ...]  # (instrument id, flag code) needing acknowledgement
    minor: bool | None  # None: age unknown
    codes: tuple[CodeOption, ...] = field(default=())

    @property
    def minor_pathway(self) -> bool:
        return self.trafficking_concern and self.minor is not False


@cache
def code_table() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(CODES_FILE.read_text(encoding="utf-8"))
    return data


def needs_acknowledgement(flag: Mapping[str, Any]) -> bool:
    """An urgent or imminent flag stays on screen until a clinician acknowledges it."""
    return flag.get("severity") in ACKNOWLEDGE_SEVERITIES


def encounter_character(*, coded_before: bool) -> str:
    """The 7th character Lantern proposes for a T74/T76 code.

    ICD-10-CM Official Guidelines for Coding and Reporting (FY2025), I.C.19.a: "A" (initial
    encounter) while the patient receives active treatment for the condition; "D"
    (subsequent encounter) for care after active treatment. Lantern proposes "D" once the
    condition has been confirmed at an earlier screening, else "A"; the clinician decides.
    """
    return "D" if coded_before else "A"


def _with_seventh(code: str, encounter: str = "A") -> str:
    """ICD-10-CM T codes take a 7th character, padded with X: T76.51 -> T76.51XA."""
    if not code_table()["codes"][code]["seventh"]:
        return code
    return f"{code}X{encounter}"


def code_options(
    *, minor: bool | None, labor: bool = False, encounter: str = "A"
) -> tuple[CodeOption, ...]:
    """Suspected first (suggested), then confirmed, then ruled out, for the patient's age group.

    With age unknown both the child and the adult codes are offered; the child code is
    suggested, because a person under 18 is a trafficking victim without any force.
    """
    ages = {"child"} if minor else {"adult"} if minor is False else {"child", "adult"}
    order = {"suspected": 0, "confirmed": 1, "ruled_out": 2}
    options = []
    for code, entry in code_table()["codes"].items():
        if bool(entry.get("labor")) != labor or (
            entry["age"] != "any" and entry["age"] not in ages
        ):
            continue
        options.append((order[entry["certainty"]], entry["age"] != "child", code, entry))
    options.sort()
    suggested = options[0][2] if options else None
    return tuple(
        CodeOption(
            _with_seventh(code, encounter), entry["title"], entry["certainty"], code == suggested
        )
        for _, _, code, entry in options
    )


def advise(results: Iterable[Mapping[str, Any]], age: int | None, encounter: str = "A") -> Advice:
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
    codes = code_options(minor=minor, encounter=encounter) if concern else ()
    return Advice(trafficking_concern=concern, urgent_flags=urgent, minor=minor, codes=codes)


def _is_trafficking_concern(result: Mapping[str, Any]) -> bool:
    if result.get("category") != "trafficking":
        return False
    flags: Sequence[Mapping[str, Any]] = result.get("flags", ())
    return bool(result.get("positive")) or any(flag.get("code") == "concern" for flag in flags)


def compare(previous: Mapping[str, Any] | None, current: Mapping[str, Any]) -> str:
    """How a re-screen moved: "first", "higher", "lower" or "same" total."""
    if previous is None or previous.get("total") is None or current.get("total") is None:
        return "first"
    if current["total"] > previous["total"]:
        return "higher"
    if current["total"] < previous["total"]:
        return "lower"
    return "same"
