"""Which consent a step needs, and whether a patient's consent history allows it now.

Pure functions over plain data. Consent is recorded per scope and never overwritten: the
latest record for a scope (within the visit, for visit-bound scopes; for the same
recipient, for named disclosures) is the one that counts. Only a current "given" allows
a step; declined, deferred, withdrawn, expired and missing all refuse, each with its reason.

Sources for the scopes: ACOG Committee Opinion 787 (2019); DOJ National Protocol for
Sexual Assault Medical Forensic Examinations, 2nd ed. (2013): assent for each part of an
exam, photographs only with specific consent, the patient may stop at any time.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

GIVEN, DECLINED, DEFERRED, WITHDRAWN = "given", "declined", "deferred", "withdrawn"
EXPIRED, MISSING = "expired", "missing"


@dataclass(frozen=True)
class Scope:
    code: str
    kind: str  # "exam" | "photo" | "evidence" | "disclosure"
    per_visit: bool  # True: a consent counts only within the visit it was given in
    named_recipient: bool = False  # a disclosure to a named organisation


SCOPES: dict[str, Scope] = {
    scope.code: scope
    for scope in (
        Scope("general_exam", "exam", True),
        Scope("touch", "exam", True),
        Scope("undress", "exam", True),
        Scope("pelvic_exam", "exam", True),
        Scope("swab_self", "exam", True),
        Scope("swab_clinician", "exam", True),
        Scope("blood_draw", "exam", True),
        Scope("photographs", "photo", True),
        Scope("evidence_kit", "evidence", True),
        Scope("disclose_referral", "disclosure", False, named_recipient=True),
        Scope("disclose_primary_care", "disclosure", False),
        Scope("disclose_law_enforcement", "disclosure", False),
        Scope("disclose_protective_services", "disclosure", False),
        Scope("disclose_immigration_attorney", "disclosure", False, named_recipient=True),
        Scope("disclose_deidentified", "disclosure", False),
    )
}

# Each exam step and the scopes it needs, all of them current.
EXAM_STEPS: dict[str, tuple[str, ...]] = {
    "general_exam": ("general_exam",),
    "palpation": ("general_exam", "touch"),
    "gown": ("undress",),
    "pelvic_exam": ("pelvic_exam", "undress", "touch"),
    "swab_self": ("swab_self",),
    "swab_clinician": ("swab_clinician", "touch"),
    "blood_draw": ("blood_draw", "touch"),
    "evidence_kit": ("evidence_kit", "undress", "touch"),
}

# The only disclosures a legal duty can require without the patient's consent. For adults
# even these need an explicit statement that the law requires the report: competent adults
# decide themselves (no federal duty; some states require reporting certain injuries).
MANDATE_KINDS = frozenset({"protective_services", "law_enforcement"})

# Each kind of disclosure and the consent scope that covers it.
DISCLOSURE_SCOPES: dict[str, str] = {
    "referral": "disclose_referral",
    "primary_care": "disclose_primary_care",
    "law_enforcement": "disclose_law_enforcement",
    "protective_services": "disclose_protective_services",
    "immigration_attorney": "disclose_immigration_attorney",
    "deidentified": "disclose_deidentified",
}


@dataclass(frozen=True)
class ConsentFact:
    """One consent record, as plain data."""

    scope: str
    status: str
    recorded_at: datetime.datetime
    encounter_id: int | None = None
    expires_at: datetime.datetime | None = None
    recipient: str = ""  # folded name of a named recipient
    record_id: int | None = None


@dataclass(frozen=True)
class Decision:
    allowed: bool
    state: str  # given | declined | deferred | withdrawn | expired | missing
    scope: str
    record_id: int | None = None


def fold_recipient(name: str) -> str:
    return " ".join(name.casefold().split())


def latest(
    facts: Iterable[ConsentFact], scope: str, *, encounter_id: int | None, recipient: str = ""
) -> ConsentFact | None:
    """The record that counts now for ``scope`` (in this visit / for this recipient)."""
    info = SCOPES[scope]
    wanted = fold_recipient(recipient)
    matching = [
        fact
        for fact in facts
        if fact.scope == scope
        and (not info.per_visit or fact.encounter_id == encounter_id)
        and (not info.named_recipient or fold_recipient(fact.recipient) == wanted)
    ]
    return max(matching, key=lambda fact: (fact.recorded_at, fact.record_id or 0), default=None)


def decide(
    facts: Iterable[ConsentFact],
    scope: str,
    now: datetime.datetime,
    *,
    encounter_id: int | None,
    recipient: str = "",
) -> Decision:
    fact = latest(facts, scope, encounter_id=encounter_id, recipient=recipient)
    if fact is None:
        return Decision(False, MISSING, scope)
    if fact.status != GIVEN:
        return Decision(False, fact.status, scope, fact.record_id)
    if fact.expires_at is not None and fact.expires_at <= now:
        return Decision(False, EXPIRED, scope, fact.record_id)
    return Decision(True, GIVEN, scope, fact.record_id)


def covered_recipients(
    facts: Iterable[ConsentFact], scope: str, now: datetime.datetime
) -> list[str]:
    """The named recipients ``scope`` currently allows sharing with, as last spelled."""
    facts = list(facts)
    names: dict[str, str] = {}
    for fact in sorted(facts, key=lambda f: (f.recorded_at, f.record_id or 0)):
        if fact.scope == scope and fact.recipient:
            names[fold_recipient(fact.recipient)] = fact.recipient
    return [
        name
        for name in names.values()
        if decide(facts, scope, now, encounter_id=None, recipient=name).allowed
    ]


def ever_given(facts: Iterable[ConsentFact], scope: str, *, encounter_id: int | None) -> bool:
    """Whether ``scope`` was given at some point in this visit (even if withdrawn since)."""
    return any(
        fact.scope == scope and fact.status == GIVEN and fact.encounter_id == encounter_id
        for fact in facts
    )


def injury_scopes(region: str, kind: str) -> tuple[str, ...]:
    """Documenting an injury means examining it: pelvic or genital ones need that consent too."""
    if region == "pelvis" or kind == "genital":
        return ("general_exam", "pelvic_exam")
    return ("general_exam",)
