"""Directory search benchmark: 5,000 services, median search time (target under 50 ms).

Usage (from the repository root)::

    .venv/bin/python bench/directory_bench.py [--services 5000] [--queries 300]
        [--database sqlite|postgres|both]

For each database, in its own subprocess with a fresh database and throw-away keys, the
script migrates, loads a synthetic directory through the HSDS import (the path
``lantern directory import`` takes), then times ``search.find`` exactly as the search page
calls it, over a mix of queries, and counts the SQL queries each search makes.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import uuid
from typing import Any

import harness

PREFIX = "lantern-directory-bench-"
WORDS = ("community", "family", "health", "legal", "harbor", "river", "youth", "women", "north")
CITIES = ("Riverside", "Eastside", "Northside", "Harbor City", "Lakeview", "Hillcrest")
DAYS = ("MO,TU,WE,TH,FR", "MO,WE,FR", "TU,TH,SA", "MO,TU,WE,TH,FR,SA,SU", "SA,SU")


def _documents(count: int, rng: random.Random) -> list[tuple[str, Any]]:
    from lantern.referrals import taxonomy as t

    flags = [*t.FLAGS, *t.GENDERS, *t.COSTS]
    documents = []
    per_org = 5
    for first in range(0, count, per_org):
        oid, place = str(uuid.uuid4()), str(uuid.uuid4())
        city = rng.choice(CITIES)
        services = []
        for _n in range(min(per_org, count - first)):
            sid = str(uuid.uuid4())
            terms = rng.sample(t.NEEDS, rng.randint(1, 3)) + rng.sample(flags, rng.randint(0, 4))
            opens = rng.choice(("07:00", "08:00", "09:00", "10:00", "18:00"))
            services.append({
                "id": sid,
                "name": f"{rng.choice(WORDS).title()} {rng.choice(WORDS)} service {first + _n}",
                "description": " ".join(rng.choices(WORDS, k=12)), "status": "active",
                "minimum_age": rng.choice((0, 12, 16, 18)),
                "attributes": [
                    {"id": str(uuid.uuid4()), "taxonomy_term_id": str(term.id), "value": "true"}
                    for term in terms
                ],
                "languages": [{"id": str(uuid.uuid4()), "code": code}
                              for code in rng.sample(("en", "es", "pt", "vi", "zh", "ar"), 2)],
                "schedules": [{
                    "id": str(uuid.uuid4()), "freq": "WEEKLY", "byday": rng.choice(DAYS),
                    "opens_at": opens, "closes_at": rng.choice(("17:00", "20:00", "08:00")),
                }],
                "service_areas": [{"id": str(uuid.uuid4()), "name": f"{city} County"}],
                "phones": [{"id": str(uuid.uuid4()), "number": "555-0100"}],
                "service_at_locations": [{"id": str(uuid.uuid4()), "location_id": place}],
            })  # fmt: skip
        documents.append(("organization", {
            "id": oid, "name": f"{rng.choice(WORDS).title()} organisation {first}",
            "description": "synthetic", "services": services,
            "locations": [{"id": place, "location_type": "physical", "addresses": [{
                "id": str(uuid.uuid4()), "address_1": "1 Main St", "city": city,
                "state_province": "CA", "postal_code": "90000", "country": "US",
                "address_type": "physical"}]}],
        }))  # fmt: skip
    return documents


def _queries(rng: random.Random, count: int) -> list[tuple[str, Any]]:
    from lantern.referrals import taxonomy as t
    from lantern.referrals.search import DirectoryQuery

    kinds = {
        "need": lambda: DirectoryQuery(needs=(rng.choice(t.NEEDS).id,)),
        "needs+language": lambda: DirectoryQuery(
            needs=tuple(n.id for n in rng.sample(t.NEEDS, 2)), language=rng.choice(("es", "vi"))
        ),
        "text": lambda: DirectoryQuery(text=f"{rng.choice(WORDS)} {rng.choice(WORDS)}"),
        "open-now": lambda: DirectoryQuery(open_now=True, needs=(rng.choice(t.NEEDS).id,)),
        "eligibility": lambda: DirectoryQuery(
            age=rng.choice((15, 30)), gender=t.GENDER_WOMEN.id, flags=(t.NO_ID_REQUIRED.id,)
        ),
        "area": lambda: DirectoryQuery(area=rng.choice(CITIES)),
        "everything": lambda: DirectoryQuery(
            text=rng.choice(WORDS), needs=(rng.choice(t.NEEDS).id,), language="es", age=17,
            gender=t.GENDER_WOMEN.id, flags=(t.MINORS_ACCEPTED.id,), free_only=True,
            open_now=True, area=rng.choice(CITIES),
        ),
        "empty": lambda: DirectoryQuery(),
    }  # fmt: skip
    names = list(kinds)
    return [(names[n % len(names)], kinds[names[n % len(names)]]()) for n in range(count)]


def _per_query(system_id: int, queries: list[tuple[str, Any]]) -> None:
    """One search of each kind, each SQL statement with its own time: where a search goes."""
    from django.db import connection

    from lantern.referrals.search import find

    for kind, query in queries:
        timings: list[tuple[float, str]] = []

        def timed(execute, sql, params, many, context, timings=timings):  # type: ignore[no-untyped-def]
            begun = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                timings.append(((time.perf_counter() - begun) * 1000, sql))

        with connection.execute_wrapper(timed):
            begun = time.perf_counter()
            find(system_id, query)
            whole = (time.perf_counter() - begun) * 1000
        sql_ms = sum(ms for ms, _ in timings)
        print(f"{kind}: {whole:.1f} ms, of which SQL {sql_ms:.1f} ms in {len(timings)} statements")
        for ms, sql in sorted(timings, reverse=True)[:3]:
            print(f"   {ms:6.1f} ms  {sql[:150]}")
    import cProfile
    import pstats

    profile = cProfile.Profile()
    for _ in range(10):
        profile.runcall(find, system_id, queries[-1][1])
    print(f"profile of ten {queries[-1][0]} searches:")
    pstats.Stats(profile, stream=sys.stdout).sort_stats("tottime").print_stats(25)


def worker(args: argparse.Namespace) -> int:
    harness.start_worker()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from lantern.accounts.models import HealthSystem
    from lantern.referrals.hsds import importing
    from lantern.referrals.models import Service
    from lantern.referrals.search import find

    rng = random.Random(args.seed)
    system = HealthSystem.objects.create(name="Bench Health")
    started = time.perf_counter()
    result = importing.directory_import(
        health_system=system, documents=_documents(args.services, rng)
    )
    if not result.ok:
        print(result.problems[:5])
        return 1
    seconds = time.perf_counter() - started
    print(f"import: {result.created:,} records ({args.services:,} services) in {seconds:.1f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    print(f"active services in the directory: {Service.objects.count():,}")
    by_kind: dict[str, list[float]] = {}
    queries_per_search: dict[str, int] = {}
    hits: dict[str, list[int]] = {}
    for kind, query in _queries(rng, args.queries):
        begun = time.perf_counter()
        outcome = find(system.pk, query)
        by_kind.setdefault(kind, []).append((time.perf_counter() - begun) * 1000)
        hits.setdefault(kind, []).append(outcome.total)
        if kind not in queries_per_search:
            with CaptureQueriesContext(connection) as captured:
                find(system.pk, query)
            queries_per_search[kind] = len(captured.captured_queries)
    if args.per_query:
        _per_query(system.pk, _queries(rng, 8))
    print(f"{'kind':<16}{'n':>5}{'median':>9}{'p95':>9}{'max':>9}{'SQL':>5}{'results':>9}")
    for kind, values in by_kind.items():
        print(
            f"{kind:<16}{len(values):>5}{statistics.median(values):>8.1f} "
            f"{harness.percentile(values, 0.95):>8.1f} {max(values):>8.1f}"
            f"{queries_per_search[kind]:>5}{statistics.median(hits[kind]):>9.0f}"
        )
    everything = [value for values in by_kind.values() for value in values]
    median = statistics.median(everything)
    print(
        f"overall: median {median:.1f} ms, p95 {harness.percentile(everything, 0.95):.1f} ms, "
        f"max {max(everything):.1f} ms over {len(everything)} searches "
        f"(target: median under 50 ms) {'OK' if median < 50 else 'SLOW'}"
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--services", type=int, default=5000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--per-query", action="store_true", help="print each SQL statement's time for one search"
    )
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--postgres-url", default=harness.DEFAULT_POSTGRES_URL)
    parser.add_argument("--postgres-db", default="lantern_directory_bench")
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)
    passed = [
        "--services",
        str(args.services),
        "--queries",
        str(args.queries),
        "--seed",
        str(args.seed),
        *(["--per-query"] if args.per_query else []),
    ]

    def run(database: str, url: str, tmp: Any) -> int:
        return harness.run_worker(__file__, passed, database, url, tmp, args.timeout)

    return harness.run_selected(args.database, run, args.postgres_url, args.postgres_db, PREFIX)


if __name__ == "__main__":
    sys.exit(main())
