"""Which consent a step needs, and whether a patient's consent history allows it now.

Pure functions over plain data, in the vocabulary of ``lantern.encounters.choices`` (whose
text choices are plain strings, so callers may pass either). Consent is recorded per scope
and never overwritten: the latest record for a scope (within the visit, for visit-bound
scopes; for the same recipient, for named disclosures) is the one that counts. Only a
current "given" allows a step; declined, deferred, withdrawn, expired and missing all
refuse, each with its reason.

Sources for the scopes: ACOG Committee Opinion 787 (2019); DOJ National Protocol for
Sexual Assault Medical Forensic Examinations, 2nd ed. (2013): assent for each part of an
exam, photographs only with specific consent, the patient may stop at any time.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from lantern.encounters.choices import (
    BodyRegion,
    ConsentStatus,
    DisclosureKind,
    ExamStepKind,
    InjuryKind,
    Scope,
)


@dataclass(frozen=True)
class ScopeRule:
    code: Scope
    kind: str  # "exam" | "photo" | "evidence" | "disclosure"
    per_visit: bool  # True: a consent counts only within the visit it was given in
    named_recipient: bool = False  # a disclosure to a named organisation


SCOPES: dict[str, ScopeRule] = {
    rule.code: rule
    for rule in (
        ScopeRule(Scope.GENERAL_EXAM, "exam", True),
        ScopeRule(Scope.TOUCH, "exam", True),
        ScopeRule(Scope.UNDRESS, "exam", True),
        ScopeRule(Scope.PELVIC_EXAM, "exam", True),
        ScopeRule(Scope.SWAB_SELF, "exam", True),
        ScopeRule(Scope.SWAB_CLINICIAN, "exam", True),
        ScopeRule(Scope.BLOOD_DRAW, "exam", True),
        ScopeRule(Scope.PHOTOGRAPHS, "photo", True),
        ScopeRule(Scope.EVIDENCE_KIT, "evidence", True),
        ScopeRule(Scope.DISCLOSE_REFERRAL, "disclosure", False, named_recipient=True),
        ScopeRule(Scope.DISCLOSE_PRIMARY_CARE, "disclosure", False),
        ScopeRule(Scope.DISCLOSE_LAW_ENFORCEMENT, "disclosure", False),
        ScopeRule(Scope.DISCLOSE_PROTECTIVE_SERVICES, "disclosure", False),
        ScopeRule(Scope.DISCLOSE_IMMIGRATION_ATTORNEY, "disclosure", False, named_recipient=True),
        ScopeRule(Scope.DISCLOSE_DEIDENTIFIED, "disclosure", False),
    )
}

# Each exam step and the scopes it needs, all of them current.
EXAM_STEPS: dict[str, tuple[str, ...]] = {
    ExamStepKind.GENERAL_EXAM: (Scope.GENERAL_EXAM,),
    ExamStepKind.PALPATION: (Scope.GENERAL_EXAM, Scope.TOUCH),
    ExamStepKind.GOWN: (Scope.UNDRESS,),
    ExamStepKind.PELVIC_EXAM: (Scope.PELVIC_EXAM, Scope.UNDRESS, Scope.TOUCH),
    ExamStepKind.SWAB_SELF: (Scope.SWAB_SELF,),
    ExamStepKind.SWAB_CLINICIAN: (Scope.SWAB_CLINICIAN, Scope.TOUCH),
    ExamStepKind.BLOOD_DRAW: (Scope.BLOOD_DRAW, Scope.TOUCH),
    ExamStepKind.EVIDENCE_KIT: (Scope.EVIDENCE_KIT, Scope.UNDRESS, Scope.TOUCH),
}

# The only disclosures a legal duty can require without the patient's consent. For adults
# even these need an explicit statement that the law requires the report: competent adults
# decide themselves (no federal duty; some states require reporting certain injuries).
MANDATE_KINDS = frozenset({DisclosureKind.PROTECTIVE_SERVICES, DisclosureKind.LAW_ENFORCEMENT})

# Each kind of disclosure and the consent scope that covers it.
DISCLOSURE_SCOPES: dict[str, str] = {
    DisclosureKind.REFERRAL: Scope.DISCLOSE_REFERRAL,
    DisclosureKind.PRIMARY_CARE: Scope.DISCLOSE_PRIMARY_CARE,
    DisclosureKind.LAW_ENFORCEMENT: Scope.DISCLOSE_LAW_ENFORCEMENT,
    DisclosureKind.PROTECTIVE_SERVICES: Scope.DISCLOSE_PROTECTIVE_SERVICES,
    DisclosureKind.IMMIGRATION_ATTORNEY: Scope.DISCLOSE_IMMIGRATION_ATTORNEY,
    DisclosureKind.DEIDENTIFIED: Scope.DISCLOSE_DEIDENTIFIED,
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
    state: ConsentStatus
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
        return Decision(False, ConsentStatus.MISSING, scope)
    if fact.status != ConsentStatus.GIVEN:
        return Decision(False, ConsentStatus(fact.status), scope, fact.record_id)
    if fact.expires_at is not None and fact.expires_at <= now:
        return Decision(False, ConsentStatus.EXPIRED, scope, fact.record_id)
    return Decision(True, ConsentStatus.GIVEN, scope, fact.record_id)


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
        fact.scope == scope
        and fact.status == ConsentStatus.GIVEN
        and fact.encounter_id == encounter_id
        for fact in facts
    )


def injury_scopes(region: str, kind: str) -> tuple[str, ...]:
    """Documenting an injury means examining it: pelvic or genital ones need that consent too."""
    if region == BodyRegion.PELVIS or kind == InjuryKind.GENITAL:
        return (Scope.GENERAL_EXAM, Scope.PELVIC_EXAM)
    return (Scope.GENERAL_EXAM,)
