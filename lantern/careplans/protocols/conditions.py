"""Conditions on facts: checked against the facts contract, compiled to predicates, described.

Which tests suit which fact:

* true/false and choice facts (``sex_at_birth``, ``pregnant``, ``hiv_test_generation``...):
  ``in`` / ``not_in`` a list of their values (``null`` where the fact may be null);
* whole numbers (``age_years``, dose counts): ``at_least`` and/or ``at_most``, or ``in``;
* times that may be unknown (``exposure_at``, ``npep_started_at``): ``known``: true/false;
* code lists (``positive_screens``, ``chronic_conditions``): ``empty``: true/false,
  ``contains_any`` or ``contains_none`` of a list of codes.

``admitted`` works out which values of each listable fact a rule lets through, so the
validator can tell when a rule can never apply (``never_holds``) and when two rules can never
apply together (``exclusive``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from operator import attrgetter

from lantern.careplans.protocols.errors import Problem
from lantern.careplans.protocols.facts import CODE_PATTERN, FIELDS, Facts, FactSpec
from lantern.careplans.protocols.model import AnyOf, Clause, Condition

Predicate = Callable[[Facts], bool]
KNOWN = "<known>"  # stands for every non-null time in a time fact's domain
# A code list's domain, as far as exclusivity goes: empty, or holding at least one code.
EMPTY, NOT_EMPTY = "<empty>", "<not empty>"
TESTS_BY_KIND: dict[str, tuple[str, ...]] = {
    "bool": ("in", "not_in"),
    "choice": ("in", "not_in"),
    "int": ("in", "not_in", "range"),
    "datetime": ("known",),
    "codes": ("empty", "contains_any", "contains_none"),
}
UNCONDITIONAL = ("assessed_at",)  # always known, so no condition can depend on it


# --- Checks --------------------------------------------------------------------------------


def clause_problems(clause: Clause, where: str) -> Iterator[Problem]:
    if isinstance(clause, AnyOf):
        if len(clause.conditions) < 2:
            yield where, "an 'any' group needs at least two conditions"
        for condition in clause.conditions:
            yield from condition_problems(condition, where)
    else:
        yield from condition_problems(clause, where)


def condition_problems(condition: Condition, where: str) -> Iterator[Problem]:
    spec = FIELDS.get(condition.fact)
    if spec is None:
        yield where, f"unknown fact '{condition.fact}' (known: {', '.join(FIELDS)})"
        return
    if condition.fact in UNCONDITIONAL:
        yield where, f"'{condition.fact}' is always known: no condition can test it"
        return
    allowed = TESTS_BY_KIND[spec.kind]
    if condition.test not in allowed:
        tests = ", ".join("at_least/at_most" if test == "range" else test for test in allowed)
        yield where, f"'{condition.fact}' cannot be tested with '{condition.test}' (use {tests})"
        return
    yield from _value_problems(condition, spec, where)


def _value_problems(condition: Condition, spec: FactSpec, where: str) -> Iterator[Problem]:
    fact = condition.fact
    if condition.test in ("in", "not_in"):
        domain = spec.domain() or ()
        if not condition.values:
            yield where, f"'{condition.test}' needs at least one value"
        for value in condition.values:
            if not any(_same(value, allowed) for allowed in domain):
                yield where, f"'{fact}' never has the value {_render(value)}"
    elif condition.test == "range":
        low, high = condition.low, condition.high
        if low is not None and high is not None and low > high:
            yield where, f"at_least {low} is above at_most {high}: no value fits"
        for bound in (low, high):
            if bound is not None and not 0 <= bound <= spec.high:
                yield where, f"'{fact}' is between 0 and {spec.high}: {bound} is outside it"
    elif condition.test in ("contains_any", "contains_none"):
        if not condition.values:
            yield where, f"'{condition.test}' needs at least one code"
        for code in condition.values:
            if not isinstance(code, str) or not CODE_PATTERN.match(code):
                yield where, f"{_render(code)} is not a code"
            elif spec.vocabulary and code not in spec.vocabulary:
                yield where, f"'{fact}' has no code '{code}' (known: {', '.join(spec.vocabulary)})"


def _same(value: object, allowed: object) -> bool:
    return value == allowed and type(value) is type(allowed)


# --- Predicates ----------------------------------------------------------------------------


def rule_predicate(clauses: Sequence[Clause]) -> Predicate:
    """One predicate that holds when every clause holds (always, for no clauses)."""
    tests = tuple(_clause_predicate(clause) for clause in clauses)
    if len(tests) == 1:
        return tests[0]

    def holds(facts: Facts) -> bool:
        for test in tests:  # noqa: SIM110  (a loop: all() with a generator is slower here)
            if not test(facts):
                return False
        return True

    return holds


def _clause_predicate(clause: Clause) -> Predicate:
    if isinstance(clause, AnyOf):
        tests = tuple(_condition_predicate(condition) for condition in clause.conditions)
        return lambda facts: any(test(facts) for test in tests)
    return _condition_predicate(clause)


def _condition_predicate(condition: Condition) -> Predicate:
    get: Callable[[Facts], object] = attrgetter(condition.fact)
    values = frozenset(condition.values)
    test, flag = condition.test, condition.flag
    if test == "in":
        return lambda facts: get(facts) in values
    if test == "not_in":
        return lambda facts: get(facts) not in values
    if test == "range":
        low = -1 if condition.low is None else condition.low
        high = 1 << 30 if condition.high is None else condition.high
        return lambda facts: low <= get(facts) <= high  # type: ignore[operator]
    if test == "known":
        return lambda facts: (get(facts) is not None) is flag
    if test == "empty":
        return lambda facts: (not get(facts)) is flag
    if test == "contains_any":
        return lambda facts: not values.isdisjoint(get(facts))  # type: ignore[arg-type]
    return lambda facts: values.isdisjoint(get(facts))  # type: ignore[arg-type]


# --- Which values a rule admits ------------------------------------------------------------


def alternatives(clauses: Sequence[Clause]) -> list[tuple[Condition, ...]]:
    """The rule's conditions with each ``any`` group opened up: the rule holds when all the
    conditions of at least one alternative hold."""
    found: list[tuple[Condition, ...]] = [()]
    for clause in clauses:
        options = clause.conditions if isinstance(clause, AnyOf) else (clause,)
        found = [(*alternative, option) for alternative in found for option in options]
    return found


def admitted(conditions: Iterable[Condition]) -> dict[str, frozenset[object]]:
    """For each listable fact the conditions test, the values they all let through."""
    found: dict[str, frozenset[object]] = {}
    for condition in conditions:
        values = _condition_values(condition)
        if values is not None:
            fact = condition.fact
            found[fact] = found[fact] & values if fact in found else values
    return found


def never_holds(clauses: Sequence[Clause]) -> str | None:
    """A fact no value of which satisfies the conditions, if there is one."""
    blocked = []
    for alternative in alternatives(clauses):
        empty = [fact for fact, values in admitted(alternative).items() if not values]
        if not empty:
            return None
        blocked.append(empty[0])
    return blocked[0] if blocked else None


Opened = list[dict[str, frozenset[object]]]  # what each alternative of a rule admits


def opened(clauses: Sequence[Clause]) -> Opened:
    """What each alternative of the clauses admits, worked out once for many comparisons."""
    return [admitted(alternative) for alternative in alternatives(clauses)]


def exclusive(first: Sequence[Clause], second: Sequence[Clause]) -> bool:
    """True when no facts can satisfy both rules' conditions."""
    return exclusive_opened(opened(first), opened(second))


def exclusive_opened(first: Opened, second: Opened) -> bool:
    """``exclusive`` for rules already ``opened``."""
    return all(_disjoint(a, b) for a in first for b in second)


def _disjoint(a: dict[str, frozenset[object]], b: dict[str, frozenset[object]]) -> bool:
    return any(not (a[fact] & b[fact]) for fact in a.keys() & b.keys()) or any(
        not values for values in (*a.values(), *b.values())
    )


def _condition_values(condition: Condition) -> frozenset[object] | None:
    # Keyed by the values' types too: 1 and True are equal, but not the same value here.
    return _typed_condition_values(condition, tuple(type(v) for v in condition.values))


@lru_cache(maxsize=4096)  # rules repeat the same conditions; bounded for a long-lived server
def _typed_condition_values(
    condition: Condition, types: tuple[type, ...]
) -> frozenset[object] | None:
    spec = FIELDS.get(condition.fact)
    if spec is None:
        return None
    if spec.kind == "datetime":
        return frozenset({KNOWN} if condition.flag else {None})
    if spec.kind == "codes":
        return _codes_values(condition)
    domain = spec.domain()
    if domain is None:
        return None
    if condition.test == "in":
        return frozenset(v for v in domain if any(_same(v, c) for c in condition.values))
    if condition.test == "not_in":
        return frozenset(v for v in domain if not any(_same(v, c) for c in condition.values))
    if condition.test == "range":
        low, high = condition.low or 0, spec.high if condition.high is None else condition.high
        return frozenset(v for v in domain if isinstance(v, int) and low <= v <= high)
    return None


def _codes_values(condition: Condition) -> frozenset[object]:
    """Whether the list may be empty or not: ``empty`` true and ``contains_any`` never
    hold together, so rules split on them are exclusive."""
    if condition.test == "empty":
        return frozenset({EMPTY} if condition.flag else {NOT_EMPTY})
    if condition.test == "contains_any":
        return frozenset({NOT_EMPTY})
    return frozenset({EMPTY, NOT_EMPTY})


# --- Words ---------------------------------------------------------------------------------


def describe(clause: Clause) -> str:
    """The clause in words, e.g. ``age_years from 9 to 26`` or ``pregnant is not true``."""
    if isinstance(clause, AnyOf):
        return "(" + ", or ".join(describe(condition) for condition in clause.conditions) + ")"
    fact, test = clause.fact, clause.test
    if test in ("in", "not_in"):
        verb = "is" if test == "in" else "is not"
        return f"{fact} {verb} {_either(clause.values, 'or' if test == 'in' else 'nor')}"
    if test == "range":
        if clause.low is not None and clause.high is not None:
            return f"{fact} from {clause.low} to {clause.high}"
        if clause.low is not None:
            return f"{fact} at least {clause.low}"
        return f"{fact} at most {clause.high}"
    if test == "known":
        return f"{fact} is {'known' if clause.flag else 'unknown'}"
    if test == "empty":
        return f"{fact} is {'empty' if clause.flag else 'not empty'}"
    if test == "contains_any":
        return f"{fact} includes {_either(clause.values, 'or')}"
    return f"{fact} includes none of {_either(clause.values, 'or')}"


def describe_all(clauses: Iterable[Clause]) -> str:
    words = [describe(clause) for clause in clauses]
    return " and ".join(words) if words else "always"


def _either(values: Sequence[object], word: str) -> str:
    rendered = [_render(value) for value in values]
    if len(rendered) < 2:
        return "".join(rendered)
    return ", ".join(rendered[:-1]) + f" {word} {rendered[-1]}"


def _render(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
