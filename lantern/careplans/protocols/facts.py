"""The facts contract: what a plan is made from, checked before anything is planned.

One JSON object per patient and assessment, with exactly these fields (all required except
``sti_signs``, which was added later and defaults to none; only the ones marked may be
null):

* ``assessed_at``: ISO 8601 date and time with a UTC offset. Every date in the plan is given
  in this offset.
* ``exposure_at``: ISO 8601 date and time with an offset, or null when unknown.
* ``exposure_approximate``: true when ``exposure_at`` is the patient's estimate.
* ``age_years``: whole years at the assessment (0-130).
* ``sex_at_birth``: ``female``, ``male`` or ``intersex``.
* ``pregnant``: true, false, or null when not known.
* ``hiv_status``: ``negative``, ``positive`` or ``unknown``.
* ``hiv_test_generation``: 3 or 4 (antibody or antigen/antibody test), or null.
* ``npep_started_at``: when HIV nPEP was started (here or elsewhere), or null.
* ``ec_given``, ``prophylaxis_given``: emergency contraception and empiric STI prophylaxis
  already given (at this visit or before it).
* ``hbv_immune``: true, false, or null when not known.
* ``hbv_vaccine_doses``, ``hpv_vaccine_doses``: doses received *before* this assessment
  (a dose given at this visit is the plan's first dose, recorded as done).
* ``chronic_conditions``: codes such as ``diabetes`` or ``hypertension`` (lower-case
  letters, digits and ``-``).
* ``positive_screens``: codes from ``phq9``, ``phq2``, ``gad7``, ``gad2``, ``pcptsd5``,
  ``asq``.
* ``sti_signs`` (optional, default ``[]``): the physical signs of a sexually transmitted
  infection seen at the exam, codes from ``sores`` (genital or anal), ``discharge``,
  ``bleeding``, ``warts``.

Every time lies in the years ``YEARS`` (1900 to 2199), so a plan's dates, up to twenty years
later, are always dates.

Refused, each problem named as (field, reason): unknown or missing fields, wrong types,
values outside their range, times without a UTC offset, and contradictions: an exposure after
the assessment, nPEP started after the assessment or before the exposure, an approximate
time that is unknown, a pregnant person male at birth.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lantern.careplans.protocols.errors import FactsError, Problem

SEXES = ("female", "male", "intersex")
HIV_STATUSES = ("negative", "positive", "unknown")
HIV_TEST_GENERATIONS = (3, 4)
SCREENS = ("phq9", "phq2", "gad7", "gad2", "pcptsd5", "asq")
STI_SIGNS = ("sores", "discharge", "bleeding", "warts")
CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
MAX_AGE = 130
MAX_DOSES = 10
ISO_HELP = "an ISO 8601 date and time with a UTC offset, e.g. 2026-03-09T10:00:00-04:00"
YEARS = (1900, 2199)


@dataclass(frozen=True)
class FactSpec:
    """What one field holds. ``kind`` is datetime, bool, int, choice or codes."""

    kind: str
    nullable: bool = False
    choices: tuple[object, ...] = ()  # choice: the allowed values
    high: int = 0  # int: the largest allowed value (the smallest is 0)
    vocabulary: tuple[str, ...] = ()  # codes: the allowed codes (empty: any code)

    def domain(self) -> tuple[object, ...] | None:
        """Every value the field can hold, when there are few enough to list."""
        values: tuple[object, ...]
        if self.kind == "bool":
            values = (True, False)
        elif self.kind == "choice":
            values = self.choices
        elif self.kind == "int":
            values = tuple(range(self.high + 1))
        else:
            return None
        return (*values, None) if self.nullable else values


FIELDS: dict[str, FactSpec] = {
    "assessed_at": FactSpec("datetime"),
    "exposure_at": FactSpec("datetime", nullable=True),
    "exposure_approximate": FactSpec("bool"),
    "age_years": FactSpec("int", high=MAX_AGE),
    "sex_at_birth": FactSpec("choice", choices=SEXES),
    "pregnant": FactSpec("bool", nullable=True),
    "hiv_status": FactSpec("choice", choices=HIV_STATUSES),
    "hiv_test_generation": FactSpec("choice", nullable=True, choices=HIV_TEST_GENERATIONS),
    "npep_started_at": FactSpec("datetime", nullable=True),
    "ec_given": FactSpec("bool"),
    "prophylaxis_given": FactSpec("bool"),
    "hbv_immune": FactSpec("bool", nullable=True),
    "hbv_vaccine_doses": FactSpec("int", high=MAX_DOSES),
    "hpv_vaccine_doses": FactSpec("int", high=MAX_DOSES),
    "chronic_conditions": FactSpec("codes"),
    "positive_screens": FactSpec("codes", vocabulary=SCREENS),
    "sti_signs": FactSpec("codes", vocabulary=STI_SIGNS),
}
# Fields added after the contract was first published: facts written before them still read,
# with these values.
DEFAULTS: dict[str, object] = {"sti_signs": ()}
CODE_LISTS = tuple(name for name, spec in FIELDS.items() if spec.kind == "codes")


# Per true/false, choice and whole-number field, every valid (type, value): True is not 1.
_TYPED_DOMAINS: dict[FactSpec, frozenset[tuple[type, object]]] = {
    spec: frozenset((type(value), value) for value in domain)
    for spec in FIELDS.values()
    if (domain := spec.domain()) is not None
}


@dataclass(frozen=True)
class Facts:
    """Checked facts about one patient at one assessment; FactsError if any is wrong.

    Code lists may be given in any order and with repeats: they are kept sorted and unique,
    so the same facts always make the same plan.
    """

    assessed_at: datetime
    exposure_at: datetime | None
    exposure_approximate: bool
    age_years: int
    sex_at_birth: str
    pregnant: bool | None
    hiv_status: str
    hiv_test_generation: int | None
    npep_started_at: datetime | None
    ec_given: bool
    prophylaxis_given: bool
    hbv_immune: bool | None
    hbv_vaccine_doses: int
    hpv_vaccine_doses: int
    chronic_conditions: tuple[str, ...]
    positive_screens: tuple[str, ...]
    sti_signs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in CODE_LISTS:
            value = getattr(self, name)
            if isinstance(value, list | tuple | set | frozenset) and all(
                isinstance(code, str) for code in value
            ):
                object.__setattr__(self, name, tuple(sorted(set(value))))
        found = value_problems(vars(self))
        if found:
            raise FactsError(found)

    def as_dict(self) -> dict[str, Any]:
        """The facts as JSON values, in the contract's field order."""
        return {name: _json_value(getattr(self, name)) for name in FIELDS}


def parse_facts(data: object) -> Facts:
    """Facts from a JSON object (as ``json.loads`` gives it); FactsError naming every problem."""
    if not isinstance(data, dict):
        raise FactsError([("facts", "must be a JSON object")])
    found: list[Problem] = [(name, "unknown fact") for name in data if name not in FIELDS]
    values: dict[str, object] = {}
    for name, spec in FIELDS.items():
        if name not in data:
            if name in DEFAULTS:
                values[name] = DEFAULTS[name]
            else:
                found.append((name, "missing"))
            continue
        raw = data[name]
        if spec.kind == "datetime" and isinstance(raw, str):
            try:
                raw = datetime.fromisoformat(raw)
            except ValueError:
                found.append((name, f"must be {ISO_HELP}"))
                continue
        values[name] = raw
    if found:  # some fields are missing or unreadable: name what is wrong with the rest too
        raise FactsError(found + value_problems(values))
    return Facts(**values)  # type: ignore[arg-type]  # Facts checks every value it is given


def value_problems(values: Mapping[str, object]) -> list[Problem]:
    """Problems with the fields present in ``values``, then contradictions between them."""
    found: list[Problem] = []
    valid: dict[str, object] = {}
    for name, value in values.items():
        spec = FIELDS.get(name)
        if spec is None:
            continue
        reason = _field_problem(spec, value)
        if reason is None:
            valid[name] = value
        else:
            found.append((name, reason))
    found += _contradictions(valid)
    return found


def _field_problem(spec: FactSpec, value: object) -> str | None:
    typed = _TYPED_DOMAINS.get(spec)
    if typed is not None and (type(value), value) in typed:
        return None  # the common case, answered with one set lookup
    if value is None:
        return None if spec.nullable else "must not be null"
    if spec.kind == "datetime":
        if not isinstance(value, datetime) or value.utcoffset() is None:
            return f"must be {ISO_HELP}" + (", or null" if spec.nullable else "")
        if not YEARS[0] <= value.year <= YEARS[1]:
            return f"must be in the years {YEARS[0]} to {YEARS[1]}"
        return None
    if spec.kind == "bool":
        return None if type(value) is bool else _expected("true or false", spec)
    if spec.kind == "int":
        if type(value) is not int:
            return "must be a whole number"
        return None if 0 <= value <= spec.high else f"must be between 0 and {spec.high}"
    if spec.kind == "choice":
        return _expected(_listed(spec.choices), spec)  # a valid choice is in _TYPED_DOMAINS
    return _codes_problem(spec, value)


def _codes_problem(spec: FactSpec, value: object) -> str | None:
    if not isinstance(value, list | tuple) or not all(isinstance(code, str) for code in value):
        return "must be a list of codes"
    for code in value:
        if spec.vocabulary and code not in spec.vocabulary:
            return f"unknown code '{code}' (known: {', '.join(spec.vocabulary)})"
        if not CODE_PATTERN.match(code):
            return f"'{code}' is not a code: lower-case letters, digits and '-'"
    return None


def _contradictions(valid: Mapping[str, Any]) -> Iterator[Problem]:
    assessed, exposure = valid.get("assessed_at"), valid.get("exposure_at")
    started = valid.get("npep_started_at")
    if assessed and exposure and exposure > assessed:
        yield "exposure_at", "is after assessed_at: the exposure cannot follow the assessment"
    if valid.get("exposure_approximate") is True and "exposure_at" in valid and not exposure:
        yield "exposure_approximate", "is true but exposure_at is null (an unknown time)"
    if assessed and started and started > assessed:
        yield "npep_started_at", "is after assessed_at: record nPEP once it has been started"
    if exposure and started and started < exposure:
        yield "npep_started_at", "is before exposure_at: nPEP follows the exposure"
    if valid.get("pregnant") is True and valid.get("sex_at_birth") == "male":
        yield "pregnant", "is true but sex_at_birth is male"


def _expected(what: str, spec: FactSpec) -> str:
    return f"must be {what}" + (" or null" if spec.nullable else "")


def _listed(choices: Iterable[object]) -> str:
    return ", ".join(str(choice) for choice in choices)


def _json_value(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value
