"""Patient search benchmark: seed a fresh registry, then time a realistic query mix.

Usage (from the repository root)::

    .venv/bin/python bench/search_bench.py [--patients 100000] [--queries 300]
        [--database sqlite|postgres|both] [--seed 1]

For each database the script builds a *fresh* database (SQLite: a file in a temporary
directory; PostgreSQL: a dedicated ``lantern_bench`` database, dropped afterwards), runs the
migrations, creates one clinic and one clinician who is on every patient's care team (the
worst case: the searcher can see every patient), seeds the patients through the bulk path
used by ``lantern seed`` and times it, then runs searches as that clinician exactly as the
search page does: ``search.find(Patient.objects.visible_to(user), parse_query(q))``.

Queries are built from the same synthetic records, regenerated from the seed (nothing is
decrypted): exact names, one-letter misspellings, swapped word order, street aliases with a
typo, accent-free spellings, MRNs, birth dates and names nobody has. It prints, per kind
and overall, the latency (median, p95, max), the SQL queries per search and recall (the
intended patient among the 25 results shown).

Settings are read once per process, so each database runs in its own subprocess (this
script re-invoked with ``--worker``), with ``LANTERN_MODE=demo``, a throw-away
``LANTERN_DATA_DIR`` and its own ``DATABASE_URL``: the developer's own data and keys are
never touched.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import gc
import os
import statistics
import sys
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import harness

PREFIX = "lantern-bench-"

RESULT_LIMIT = 25
WARM_UP_QUERIES = 5

# Kinds whose intended patient must be among the results (recall is the headline figure).
RECALL_KINDS = (
    "exact",
    "misspelled",
    "swapped",
    "alias",
    "alias+name",
    "accent-free",
    "name+dob",
    "mrn",
)
KINDS = (*RECALL_KINDS, "birth-date", "nonexistent")
# A second searcher on 1 in this many care teams: scope must still be honoured, and fast.
COLLEAGUE_SHARE = 100


# --- Worker: seed and search in one database ------------------------------------------------


@dataclass
class Query:
    kind: str
    text: str
    target: int | None  # index of the intended synthetic record, if any


@dataclass
class Outcome:
    elapsed_ms: list[float] = field(default_factory=list)
    sql_counts: list[int] = field(default_factory=list)
    found: int = 0
    crowded: int = 0  # missed, but 25 results scored at least as high as the intended one
    with_target: int = 0
    result_counts: list[int] = field(default_factory=list)


def _strip_accents(text: str) -> str:
    bare = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in bare if not unicodedata.combining(c))
    return bare.translate(str.maketrans({"Đ": "D", "đ": "d"}))


def _typo(rng: Any, name: str) -> str | None:
    """``name`` with one letter changed, dropped or transposed in a word of 4+ letters."""
    parts = name.split(" ")
    choices = [i for i, part in enumerate(parts) if part.isalpha() and len(part) >= 4]
    if not choices:
        return None
    index = rng.choice(choices)
    word = parts[index]
    edit = rng.choice(("change", "drop", "transpose"))
    position = rng.randrange(len(word))
    if edit == "change":
        current = _strip_accents(word[position]).lower()
        letter = rng.choice([c for c in "abcdefghijklmnopqrstuvwxyz" if c != current])
        word = word[:position] + letter + word[position + 1 :]
    elif edit == "drop":
        word = word[:position] + word[position + 1 :]
    else:
        spots = [i for i in range(len(word) - 1) if word[i].lower() != word[i + 1].lower()]
        if not spots:
            return None
        i = rng.choice(spots)
        word = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    parts[index] = word
    return " ".join(parts)


def _full_name(record: Any) -> str:
    return str(record.legal_name or record.preferred_name)


def _nonexistent_name(rng: Any, known_keys: set[str]) -> str | None:
    """A plausible-looking name sharing no word or one-letter variant with anyone seeded."""
    from lantern.patients import matching

    consonants, vowels = "bdfgklmnprstvz", "aeiou"

    def word(syllables: int) -> str:
        return "".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(syllables))

    name = f"{word(rng.randint(2, 3)).title()} {word(rng.randint(3, 4)).title()}"
    keys = {variant for w in matching.words(name) for variant in matching.deletion_neighbours(w)}
    return None if keys & known_keys else name


def _build_queries(records: list[Any], eligible: list[int], count: int, seed: int) -> list[Query]:
    import random

    from lantern.patients import matching

    rng = random.Random(seed * 7919 + 17)
    known_keys: set[str] = set()
    for record in records:
        names = [record.preferred_name, record.legal_name, *(n for n, _ in record.aliases)]
        for name in names:
            for w in matching.words(name):
                known_keys |= matching.deletion_neighbours(w)

    def make(kind: str) -> Query | None:
        if kind == "nonexistent":
            text = _nonexistent_name(rng, known_keys)
            return Query(kind, text, None) if text else None
        target = rng.choice(eligible)
        record = records[target]
        full = _full_name(record)
        text: str | None = None
        if kind == "exact":
            text = full
        elif kind == "misspelled":
            text = _typo(rng, full)
        elif kind == "swapped":
            words = full.split()
            text = " ".join(reversed(words)) if len(words) > 1 else None
        elif kind in {"alias", "alias+name"}:
            street = [name for name, alias_kind in record.aliases if alias_kind == "street"]
            typo = _typo(rng, rng.choice(street)) if street else None
            if typo and kind == "alias+name":
                family = full.split()[0 if record.preferred_language in {"vi", "zh", "ko"} else -1]
                text = f"{typo} {family}"
            else:
                text = typo
        elif kind == "accent-free":
            bare = _strip_accents(full)
            text = bare if bare != full else None
        elif kind == "mrn":
            style = rng.choice(("as-is", "lower", "no-dash"))
            text = {
                "as-is": record.mrn,
                "lower": record.mrn.lower(),
                "no-dash": record.mrn.replace("-", ""),
            }[style]
        elif kind == "name+dob" and record.birth_date is not None:
            text = f"{full} {record.birth_date.isoformat()}"
        elif kind == "birth-date" and record.birth_date is not None:
            day = record.birth_date
            text = rng.choice((day.isoformat(), day.strftime("%d/%m/%Y"), day.strftime("%m/%d/%Y")))
        return Query(kind, text, target) if text else None

    queries: list[Query] = []
    for number in range(count):
        kind = KINDS[number % len(KINDS)]
        for _attempt in range(200):  # some records cannot make some kinds; try others
            query = make(kind)
            if query is not None:
                queries.append(query)
                break
    return queries


def _score(scorer: Any, parsed: Any, record: Any) -> float:
    """What ``search.find`` would score this record for this name (and date) query."""
    names = [record.preferred_name, record.legal_name, *(name for name, _ in record.aliases)]
    return float(scorer([n for n in names if n])) + 0.5 * (record.birth_date in parsed.birth_dates)


def _as_good(records: list[Any], parsed: Any, own: float, target: int) -> int:
    """How many other records match the query at least as well (counting stops at 25)."""
    from lantern.patients import matching

    scorer = matching.name_scorer(parsed.words)
    count = 0
    for number, record in enumerate(records):
        if number != target and _score(scorer, parsed, record) >= own - 1e-9:
            count += 1
            if count >= RESULT_LIMIT:
                break
    return count


def _size(num_bytes: float) -> str:
    return f"{num_bytes / 1024 / 1024:,.1f} MB"


def _report_sizes(vendor: str, patients: int) -> None:
    from django.db import DatabaseError, connection

    from lantern.patients.models import PatientSearchToken

    tokens = PatientSearchToken.objects.count()
    print(f"search token rows: {tokens:,} = {tokens / max(patients, 1):.1f} per patient")
    with connection.cursor() as cursor:
        if vendor == "sqlite":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            path = Path(connection.settings_dict["NAME"])
            total = path.stat().st_size
            wal = Path(f"{path}-wal")
            total += wal.stat().st_size if wal.exists() else 0
            print(f"database file size: {_size(total)}")
            with contextlib.suppress(DatabaseError):  # dbstat is an optional SQLite feature
                cursor.execute(
                    "SELECT name, SUM(pgsize) FROM dbstat WHERE name LIKE '%searchtoken%' "
                    "OR tbl_name LIKE '%searchtoken%' GROUP BY name ORDER BY 2 DESC"
                )
                for name, pages in cursor.fetchall():
                    print(f"  {name}: {_size(pages)}")
        else:
            cursor.execute("SELECT pg_database_size(current_database())")
            print(f"database size: {_size(cursor.fetchone()[0])}")
            cursor.execute(
                "SELECT pg_relation_size('patients_patientsearchtoken'), "
                "pg_indexes_size('patients_patientsearchtoken')"
            )
            heap, indexes = cursor.fetchone()
            print(f"  search token table: {_size(heap)}, its indexes: {_size(indexes)}")


def worker(args: argparse.Namespace) -> None:
    vendor = harness.start_worker()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from lantern.accounts.models import (
        CareTeamMember,
        Role,
        User,
    )
    from lantern.patients import matching, search
    from lantern.patients.bulk import patients_bulk_create
    from lantern.patients.models import ExternalIdentifier, Patient
    from lantern.patients.synthetic import synthetic_patients

    clinic, user = harness.bench_clinician()

    today = timezone.localdate()
    started = time.perf_counter()
    created = patients_bulk_create(
        actor=None,
        records=synthetic_patients(args.patients, args.seed, today),
        clinic=clinic,
        care_team=[user],
    )
    seconds = time.perf_counter() - started
    print(
        f"seed: {created:,} patients in {seconds:.1f} s = {created / seconds:,.0f} patients/s "
        f"(100,000 would take about {100_000 / (created / seconds) / 60:.1f} min)"
    )
    # The same records again, from the seed (nothing is decrypted).
    started = time.perf_counter()
    records = list(synthetic_patients(args.patients, args.seed, today))
    print(f"  of which generating the records alone: {time.perf_counter() - started:.1f} s")
    if vendor == "postgresql":
        # Autovacuum vacuums and analyses a freshly loaded table within a minute or so (PG 13+
        # also vacuums after inserts); do it now so every run measures the same steady state.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print("VACUUM ANALYZE run (what autovacuum does shortly after a bulk load)")
    _report_sizes(vendor, created)

    # Map records to patients through their MRN token; targets are records with an MRN.
    with_mrn = [i for i, record in enumerate(records) if record.mrn]
    token_of = {search.identifier_token("mrn", records[i].mrn): i for i in with_mrn}
    pk_of: dict[int, Any] = {}
    tokens = list(token_of)
    for start in range(0, len(tokens), 500):
        for value_index, patient_id in ExternalIdentifier.objects.filter(
            value_index__in=tokens[start : start + 500]
        ).values_list("value_index", "patient_id"):
            pk_of[token_of[value_index]] = patient_id
    eligible = [i for i in with_mrn if i in pk_of]
    queries = _build_queries(records, eligible, args.queries, args.seed)

    user = User.objects.get(pk=user.pk)
    visible = Patient.objects.visible_to(user).count()
    print(
        f"searching as a clinician who can see {visible:,} patients: {len(queries)} queries "
        f"(+{WARM_UP_QUERIES} warm-up), results limited to {RESULT_LIMIT}"
    )

    def run(searcher: Any, text: str) -> list[search.Match]:
        scope = Patient.objects.visible_to(searcher)
        return search.find(scope, matching.parse_query(text), limit=RESULT_LIMIT)

    for query in queries[:WARM_UP_QUERIES]:
        run(user, query.text)
    # The regenerated records are the benchmark's, not the application's: keep the garbage
    # collector from walking them during timed searches, as it would not in a web worker.
    gc.collect()
    gc.freeze()

    outcomes: dict[str, Outcome] = defaultdict(Outcome)
    timings: list[tuple[float, str, str]] = []
    misses: list[str] = []
    changed = 0
    deadline = time.monotonic() + args.search_time_limit
    for query in queries:
        if time.monotonic() > deadline:
            print(f"!! search time limit of {args.search_time_limit} s reached; stopping early")
            break
        outcome = outcomes[query.kind]
        started = time.perf_counter()
        matches = run(user, query.text)
        outcome.elapsed_ms.append((time.perf_counter() - started) * 1000)
        timings.append((outcome.elapsed_ms[-1], query.kind, query.text))
        # Count SQL in a second, identical run so that capturing never slows the timed one.
        with CaptureQueriesContext(connection) as captured:
            again = run(user, query.text)
        outcome.sql_counts.append(len(captured.captured_queries))
        found = [m.patient.pk for m in matches]
        changed += found != [m.patient.pk for m in again]
        outcome.result_counts.append(len(found))
        if query.target is None:
            continue
        outcome.with_target += 1
        if pk_of[query.target] in found:
            outcome.found += 1
        else:
            parsed = matching.parse_query(query.text)
            own = _score(matching.name_scorer(parsed.words), parsed, records[query.target])
            shown = len(matches) >= RESULT_LIMIT and min(m.score for m in matches) >= own - 1e-9
            if shown or _as_good(records, parsed, own, query.target) >= RESULT_LIMIT:
                outcome.crowded += 1
            else:
                misses.append(f"{query.kind} {query.text!r}")
    _print_table(outcomes)
    slowest = sorted(timings, reverse=True)[:3]
    print("slowest: " + "; ".join(f"{ms:.0f} ms {kind} {text!r}" for ms, kind, text in slowest))
    if misses:
        print(f"missed, not crowded ({len(misses)}): " + "; ".join(misses[:10]))
    if changed:
        print(f"!! {changed} queries returned different results when repeated")

    # A colleague on a few care teams: same queries, results must stay inside their scope.
    colleague = User.objects.create_user(
        username="bench-colleague",
        password=None,
        display_name="Bench Colleague",
        role=Role.ADVOCATE,
        health_system=clinic.health_system,
    )
    colleague.clinics.add(clinic)
    ids = list(Patient.objects.order_by("pk").values_list("pk", flat=True))[::COLLEAGUE_SHARE]
    CareTeamMember.objects.bulk_create(CareTeamMember(patient_id=i, user=colleague) for i in ids)
    allowed = set(ids)
    elapsed: list[float] = []
    outside = 0
    for query in queries:
        if time.monotonic() > deadline:
            break
        started = time.perf_counter()
        matches = run(colleague, query.text)
        elapsed.append((time.perf_counter() - started) * 1000)
        outside += sum(m.patient.pk not in allowed for m in matches)
    if elapsed:
        print(
            f"same {len(elapsed)} queries as a colleague on {len(allowed):,} care teams: "
            f"median {statistics.median(elapsed):.1f} ms, "
            f"p95 {harness.percentile(elapsed, 0.95):.1f} ms, "
            f"max {max(elapsed):.1f} ms; results outside their care teams: {outside}"
        )


def _print_table(outcomes: dict[str, Outcome]) -> None:
    header = (
        f"{'kind':<12} {'n':>4} {'median':>8} {'p95':>8} {'max':>8}  {'SQL/search':>10}  "
        f"{'recall@25':>14}  {'crowded':>7}  {'distinct recall':>15}  {'avg results':>11}"
    )
    print(
        "latency in ms; crowded: missed, but 25 other patients match the text at least as well;\n"
        "distinct recall: recall over the queries that are not crowded"
    )
    print(header)
    print("-" * len(header))
    everything = Outcome()
    for kind in (*KINDS, "all"):
        outcome = everything if kind == "all" else outcomes.get(kind)
        if outcome is None or not outcome.elapsed_ms:
            continue
        if kind != "all":
            everything.elapsed_ms += outcome.elapsed_ms
            everything.sql_counts += outcome.sql_counts
            everything.result_counts += outcome.result_counts
            if kind in RECALL_KINDS:
                everything.found += outcome.found
                everything.with_target += outcome.with_target
                everything.crowded += outcome.crowded
        sql = sorted(set(outcome.sql_counts))
        sql_text = str(sql[0]) if len(sql) == 1 else f"{sql[0]}-{sql[-1]}"
        recall = distinct = "-"
        if outcome.with_target:
            share = 100 * outcome.found / outcome.with_target
            recall = f"{outcome.found}/{outcome.with_target} {share:3.0f}%"
            clear = outcome.with_target - outcome.crowded
            if clear:
                distinct = f"{outcome.found}/{clear} {100 * outcome.found / clear:3.0f}%"
        print(
            f"{kind:<12} {len(outcome.elapsed_ms):>4} "
            f"{statistics.median(outcome.elapsed_ms):>8.1f} "
            f"{harness.percentile(outcome.elapsed_ms, 0.95):>8.1f} "
            f"{max(outcome.elapsed_ms):>8.1f}  "
            f"{sql_text:>10}  {recall:>14}  {outcome.crowded if outcome.with_target else '-':>7}  "
            f"{distinct:>15}  {statistics.mean(outcome.result_counts):>11.1f}"
        )
    print("('all' recall covers name, alias and MRN kinds; birth-date recall is shown alone)")


# --- Entry point -----------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--seed", type=int, default=1, help="synthetic data seed")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("LANTERN_BENCH_POSTGRES_URL", harness.DEFAULT_POSTGRES_URL),
        help="an existing database to connect to for creating and dropping the bench database",
    )
    parser.add_argument("--postgres-db", default="lantern_bench")
    parser.add_argument(
        "--timeout", type=int, default=3600, help="seconds allowed per database (default 3600)"
    )
    parser.add_argument(
        "--search-time-limit", type=int, default=900, help="seconds allowed for the searches"
    )
    parser.add_argument("--worker", choices=("sqlite", "postgres"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.patients < 1 or args.queries < 1:
        parser.error("--patients and --queries must be at least 1")
    if args.worker:
        worker(args)
        return 0
    print(
        f"Lantern search benchmark: {args.patients:,} patients, {args.queries} queries, "
        f"seed {args.seed}, {datetime.datetime.now():%Y-%m-%d %H:%M}",
        flush=True,
    )

    def run(database: str, database_url: str, tmp: Path) -> int:
        worker_args = [
            "--patients",
            str(args.patients),
            "--queries",
            str(args.queries),
            "--seed",
            str(args.seed),
        ]
        return harness.run_worker(__file__, worker_args, database, database_url, tmp, args.timeout)

    return harness.run_selected(args.database, run, args.postgres_url, args.postgres_db, PREFIX)


if __name__ == "__main__":
    sys.exit(main())
