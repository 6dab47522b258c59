"""Finding patients through keyed blind-index tokens, then ranking on decrypted names.

The database only ever sees HMAC tokens: a query is turned into the same tokens the
registry stored, candidates are the patients sharing the most tokens, and the final ranking
happens in memory on the (decrypted) names of a bounded number of candidates. A search costs
the same handful of queries whatever the size of the registry.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from uuid import UUID

from django.db import connections
from django.db.models import Count, Exists, F, OuterRef, QuerySet, prefetch_related_objects

from lantern.crypto.runtime import keyring
from lantern.patients import matching
from lantern.patients.models import ExternalIdentifier, Patient, PatientAlias, PatientSearchToken

NAME_PURPOSE = "patient-name"
# Candidates fetched by token overlap before exact ranking; bounds the decryption work.
CANDIDATE_LIMIT = 200
NAME_THRESHOLD = 0.8
DUPLICATE_THRESHOLD = 0.88


def name_tokens(names: Iterable[str]) -> set[int]:
    """The blind search tokens of every word of ``names`` (see ``name_tokenizer``)."""
    return name_tokenizer()(names)


def name_tokenizer() -> Callable[[Iterable[str]], set[int]]:
    """``name_tokens`` for many patients in a row, remembering the tokens of each word.

    Bulk loads repeat the same few thousand words over and over; this skips recomputing
    their neighbours and keyed hashes. The memory lasts as long as the returned function.
    """
    ring = keyring()
    by_word: dict[str, frozenset[int]] = {}

    def tokens(names: Iterable[str]) -> set[int]:
        found: set[int] = set()
        for name in names:
            for word in matching.words(name):
                known = by_word.get(word)
                if known is None:
                    keys = matching.word_keys(word)
                    known = by_word[word] = frozenset(ring.blind(NAME_PURPOSE, k) for k in keys)
                found |= known
        return found

    return tokens


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
    """The patients in ``scope`` sharing the most tokens, best first, at most CANDIDATE_LIMIT.

    Tokens are counted per patient first; only then is each counted patient checked against
    ``scope`` through a correlated EXISTS, a few index look-ups each. Filtering the token
    rows by ``patient IN (scope)`` instead makes SQLite and PostgreSQL list the whole visible
    registry on every search: hundreds of milliseconds for someone who can see 100,000
    patients. The SQL is composed from the two compiled querysets, so any scope works.
    """
    if not tokens or scope.query.is_empty():
        return []
    connection = connections[scope.db]
    hits = (
        PatientSearchToken.objects.using(scope.db)
        .filter(token__in=tokens)
        .values("patient")
        .annotate(hits=Count("*"))
        .order_by()
    )
    if connection.vendor == "postgresql":
        # Ordered counts let PostgreSQL walk them best first and stop checking the scope
        # after CANDIDATE_LIMIT visible patients; SQLite gains nothing from a second sort.
        hits = hits.order_by("-hits", "patient")
    hits_sql, hits_params = hits.query.get_compiler(connection=connection).as_sql()
    visible = scope.order_by().values(visible_pk=F("pk"))
    visible_sql, visible_params = visible.query.get_compiler(connection=connection).as_sql()
    quote = connection.ops.quote_name
    patient, count, pk = quote("patient"), quote("hits"), quote("visible_pk")
    sql = (
        f"SELECT candidate.{patient} FROM ({hits_sql}) candidate "  # noqa: S608  # nosec B608
        f"WHERE EXISTS (SELECT 1 FROM ({visible_sql}) visible "
        f"WHERE visible.{pk} = candidate.{patient}) "
        f"ORDER BY candidate.{count} DESC, candidate.{patient} ASC LIMIT %s"
    )
    params = (*hits_params, *visible_params, CANDIDATE_LIMIT)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    field = PatientSearchToken._meta.get_field("patient")
    return [field.to_python(row[0]) for row in rows]


def _identifier_candidates(scope: QuerySet[Patient], identifiers: Sequence[str]) -> set[UUID]:
    if not identifiers:
        return set()
    tokens = {identifier_token("mrn", value) for value in identifiers}
    visible = Exists(scope.order_by().filter(pk=OuterRef("patient_id")))
    return set(
        ExternalIdentifier.objects.using(scope.db)
        .filter(visible, value_index__in=tokens)
        .values_list("patient_id", flat=True)
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
    aliases = _alias_names(scope, wanted)
    score_name = matching.name_scorer(query.words)
    matches = []
    for patient in Patient.objects.using(scope.db).filter(pk__in=wanted):
        match = Match(patient=patient)
        match.on_identifier = patient.pk in by_identifier
        match.on_birth_date = patient.pk in by_date
        match.on_name = score_name(_names(patient, aliases))
        if not _acceptable(query, match):
            continue
        match.score = match.on_name + match.on_identifier * 2.0 + match.on_birth_date * 0.5
        matches.append(match)
    matches.sort(key=lambda m: (-m.score, str(m.patient.pk)))
    matches = matches[:limit]
    # Only the patients shown need their aliases and clinics as objects.
    prefetch_related_objects([m.patient for m in matches], "aliases", "clinics")
    return matches


def _alias_names(scope: QuerySet[Patient], patient_ids: Iterable[UUID]) -> dict[UUID, list[str]]:
    """The aliases of many patients at once, as plain names for ranking."""
    names: dict[UUID, list[str]] = {}
    rows = PatientAlias.objects.using(scope.db).filter(patient__in=list(patient_ids))
    for patient_id, name in rows.values_list("patient_id", "name"):
        names.setdefault(patient_id, []).append(name)
    return names


def _names(patient: Patient, aliases: dict[UUID, list[str]]) -> list[str]:
    names = [patient.preferred_name, patient.legal_name, *aliases.get(patient.pk, ())]
    return [name for name in names if name]


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
    aliases = _alias_names(scope, candidates)
    scorers = [matching.name_scorer(matching.words(name)) for name in names]
    found = []
    for patient in Patient.objects.using(scope.db).filter(pk__in=candidates):
        existing = _names(patient, aliases)
        score = max((score_name(existing) for score_name in scorers), default=0.0)
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
    prefetch_related_objects([m.patient for m in found], "aliases")
    return found
