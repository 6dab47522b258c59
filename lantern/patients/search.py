"""Finding patients through keyed blind-index tokens, then ranking on decrypted names.

The database only ever sees HMAC tokens: a query is turned into the same tokens the
registry stored, candidates are the patients sharing the most tokens, and the final ranking
happens in memory on the (decrypted) names of a bounded number of candidates. A search costs
the same handful of queries whatever the size of the registry.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from uuid import UUID

from django.db.models import Count, QuerySet

from lantern.crypto.runtime import keyring
from lantern.patients import matching
from lantern.patients.models import ExternalIdentifier, Patient, PatientSearchToken

NAME_PURPOSE = "patient-name"
# Candidates fetched by token overlap before exact ranking; bounds the decryption work.
CANDIDATE_LIMIT = 200
NAME_THRESHOLD = 0.8
DUPLICATE_THRESHOLD = 0.88


def name_tokens(names: Iterable[str]) -> set[int]:
    ring = keyring()
    return {ring.blind(NAME_PURPOSE, key) for key in matching.name_keys(names)}


def identifier_token(system: str, value: str) -> int:
    return keyring().blind(f"identifier:{system}", matching.normalise_identifier(value))


def patient_names(patient: Patient) -> list[str]:
    """Every name a patient is known by; aliases must be prefetched."""
    names = [patient.preferred_name, patient.legal_name]
    names += [alias.name for alias in patient.aliases.all()]
    return [name for name in names if name]


@dataclass
class Match:
    patient: Patient
    score: float = 0.0
    on_name: float = 0.0
    on_birth_date: bool = False
    on_identifier: bool = False

    @property
    def name_matched(self) -> bool:
        return self.on_name >= NAME_THRESHOLD


def _token_candidates(scope: QuerySet[Patient], tokens: set[int]) -> list[UUID]:
    if not tokens:
        return []
    rows = (
        PatientSearchToken.objects.filter(token__in=tokens, patient__in=scope)
        .values("patient")
        .annotate(hits=Count("id"))
        .order_by("-hits", "patient")[:CANDIDATE_LIMIT]
    )
    return [row["patient"] for row in rows]


def _identifier_candidates(scope: QuerySet[Patient], identifiers: Sequence[str]) -> set[UUID]:
    if not identifiers:
        return set()
    tokens = {identifier_token("mrn", value) for value in identifiers}
    return set(
        ExternalIdentifier.objects.filter(value_index__in=tokens, patient__in=scope).values_list(
            "patient_id", flat=True
        )
    )


def _birth_date_candidates(scope: QuerySet[Patient], dates: Iterable[datetime.date]) -> set[UUID]:
    dates = list(dates)
    if not dates:
        return set()
    return set(scope.filter(birth_date__in=dates).values_list("pk", flat=True)[:CANDIDATE_LIMIT])


def find(scope: QuerySet[Patient], query: matching.ParsedQuery, *, limit: int = 25) -> list[Match]:
    """Patients in ``scope`` matching ``query``, best first."""
    by_identifier = _identifier_candidates(scope, query.identifiers)
    by_date = _birth_date_candidates(scope, query.birth_dates)
    by_name = _token_candidates(scope, name_tokens([" ".join(query.words)]))
    wanted = set(by_name) | by_identifier | by_date
    if not wanted:
        return []
    patients = Patient.objects.filter(pk__in=wanted).prefetch_related("aliases", "clinics")
    matches = []
    for patient in patients:
        match = Match(patient=patient)
        match.on_identifier = patient.pk in by_identifier
        match.on_birth_date = patient.pk in by_date
        match.on_name = matching.name_score(query.words, patient_names(patient))
        if not _acceptable(query, match):
            continue
        match.score = match.on_name + match.on_identifier * 2.0 + match.on_birth_date * 0.5
        matches.append(match)
    matches.sort(key=lambda m: (-m.score, str(m.patient.pk)))
    return matches[:limit]


def _acceptable(query: matching.ParsedQuery, match: Match) -> bool:
    if match.on_identifier:
        return True
    if query.words:
        return match.on_name >= NAME_THRESHOLD
    return match.on_birth_date


def likely_duplicates(
    scope: QuerySet[Patient], names: Sequence[str], birth_date: datetime.date | None
) -> list[Match]:
    """Existing patients that a new registration with these names may well be."""
    names = [name for name in names if name.strip()]
    candidates = _token_candidates(scope, name_tokens(names))
    if birth_date is not None:
        candidates += _birth_date_candidates(scope, [birth_date])
    if not candidates:
        return []
    found = []
    for patient in Patient.objects.filter(pk__in=candidates).prefetch_related("aliases"):
        existing = patient_names(patient)
        score = max(matching.name_score(matching.words(name), existing) for name in names)
        same_birth_date = birth_date is not None and patient.birth_date == birth_date
        if score >= DUPLICATE_THRESHOLD or (same_birth_date and score >= NAME_THRESHOLD - 0.1):
            found.append(
                Match(
                    patient,
                    score=score + same_birth_date * 0.5,
                    on_name=score,
                    on_birth_date=same_birth_date,
                )
            )
    found.sort(key=lambda m: (-m.score, str(m.patient.pk)))
    return found
