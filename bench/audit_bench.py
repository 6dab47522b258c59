"""Audit trail benchmark: what an audit write costs, and how long verifying a big chain takes.

Usage (from the repository root)::

    .venv/bin/python bench/audit_bench.py [--calls 2000] [--writers 4] [--entries 1000000]
        [--database sqlite|postgres|both]

For each database the script builds a *fresh* database (SQLite: a file in a temporary
directory; PostgreSQL: a dedicated ``lantern_audit_bench`` database, dropped afterwards),
runs the migrations (append-only triggers included), and then:

(a) times ``audit_record`` -- the call every view makes, hash chain and head lock included --
    one committed entry per call, as a request writes it: first one writer, then several
    writers at once (threads, each with its own connection) contending for the chain head.
    It prints the median, p95 and max per call: the time the audit write adds to a request.
(b) loads a valid synthetic chain up to ``--entries`` entries (hashes computed in Python,
    rows bulk-inserted in batches; inserts are what the triggers allow, so nothing is
    lifted), then runs ``lantern audit verify`` as an operator would, in its own process,
    and prints its wall-clock time, throughput and peak memory.

Settings are read once per process, so each database runs in its own subprocess (this
script re-invoked with ``--worker``), with ``LANTERN_MODE=demo``, a throw-away
``LANTERN_DATA_DIR`` and its own ``DATABASE_URL``: the developer's own data and keys are
never touched.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import resource
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import harness

PREFIX = "lantern-audit-bench-"

LOAD_BATCH = 10_000
WARM_UP_CALLS = 20


# --- Worker: (a) the cost of a write ---------------------------------------------------------


def _summary(label: str, per_call_ms: list[float]) -> None:
    print(
        f"{label}: median {statistics.median(per_call_ms):.2f} ms, "
        f"p95 {harness.percentile(per_call_ms, 0.95):.2f} ms, max {max(per_call_ms):.2f} ms "
        f"({len(per_call_ms):,} calls)"
    )


def _timed_writes(calls: int, write: Any) -> list[float]:
    elapsed = []
    for n in range(calls):
        started = time.perf_counter()
        write(n)
        elapsed.append((time.perf_counter() - started) * 1000)
    return elapsed


def _bench_writes(args: argparse.Namespace) -> None:
    from django.db import connection

    from lantern.audit.context import current_source_address
    from lantern.audit.models import Action, Category
    from lantern.audit.services import audit_record

    user, patient = _actor_and_patient()
    current_source_address.set("192.0.2.10")

    def write(n: int) -> None:
        audit_record(
            action=Action.READ,
            actor=user,
            patient_id=patient.pk,
            obj=patient,
            category=Category.IDENTITY,
            detail=f"bench {n}",
        )

    _timed_writes(WARM_UP_CALLS, write)
    _summary("audit_record, one writer", _timed_writes(args.calls, write))

    results: list[list[float]] = []

    def writer() -> None:
        try:
            results.append(_timed_writes(max(1, args.calls // args.writers), write))
        finally:
            connection.close()

    threads = [threading.Thread(target=writer) for _ in range(args.writers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    merged = [value for result in results for value in result]
    _summary(f"audit_record, {args.writers} writers at once", merged)
    print(f"  throughput with {args.writers} writers: {len(merged) / seconds:,.0f} entries/s")


def _actor_and_patient() -> tuple[Any, Any]:
    from lantern.patients import services

    clinic, user = harness.bench_clinician()
    patient = services.patient_register(
        actor=user,
        clinic=clinic,
        details=services.PatientDetails(
            preferred_name="Bench Patient",
            legal_name="",
            birth_date_kind="unknown",
            birth_date=None,
            estimated_age=None,
            sex_at_birth="unknown",
            gender_identity="unknown",
            gender_identity_detail="",
            pronouns="",
            preferred_language="en",
            interpreter_needed=False,
        ),
        aliases=[],
        mrn="",
    )
    return user, patient


# --- Worker: (b) verifying a big chain ------------------------------------------------------


ACTIONS = ("read", "read", "read", "search", "update", "create", "login", "export")
CATEGORIES = ("identity", "contact", "demographics", "", "care_team", "sdv")


def _synthetic(count: int, start: datetime.datetime, seed: int = 1) -> Iterator[Any]:
    """Plausible entries: a few hundred staff, thousands of patients, a second apart."""
    from lantern.audit import chain

    rng = random.Random(seed)
    patients = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(5000)]
    for n in range(count):
        actor = rng.randrange(1, 400)
        patient = rng.choice(patients) if n % 5 else None
        yield chain.Recorded(
            at=start + datetime.timedelta(seconds=n, microseconds=rng.randrange(1_000_000)),
            actor_id=actor,
            actor_label=f"staff{actor}",
            patient_id=patient,
            action=rng.choice(ACTIONS),
            object_type="patients.patient" if patient else "",
            object_id=str(patient) if patient else "",
            category=rng.choice(CATEGORIES),
            source_address=f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
            outcome="success" if n % 50 else "denied",
            detail=f"{rng.randrange(30)} results" if n % 7 == 0 else "",
        )


def _load_chain(total: int) -> None:
    """Extend the stored chain to ``total`` entries, in batches, and move the head along."""
    from lantern.audit import chain
    from lantern.audit.models import AuditChainHead, AuditEvent

    head = AuditChainHead.objects.get().as_head()
    missing = total - head.sequence
    if missing <= 0:
        return
    started = time.perf_counter()
    batch: list[AuditEvent] = []
    begin = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    for recorded in _synthetic(missing, begin):
        link = chain.next_link(head, recorded)
        head = chain.Head(link.sequence, link.entry_hash)
        batch.append(_row(link))
        if len(batch) == LOAD_BATCH:
            _store(batch, head)
            batch = []
    _store(batch, head)
    seconds = time.perf_counter() - started
    print(f"loaded {missing:,} synthetic entries in {seconds:.1f} s ({missing / seconds:,.0f}/s)")


def _row(link: Any) -> Any:
    from lantern.audit.models import AuditEvent

    recorded = link.recorded
    return AuditEvent(
        at=recorded.at,
        actor_id=recorded.actor_id,
        actor_label=recorded.actor_label,
        patient_id=recorded.patient_id,
        action=recorded.action,
        object_type=recorded.object_type,
        object_id=recorded.object_id,
        category=recorded.category,
        source_address=recorded.source_address,
        outcome=recorded.outcome,
        detail=recorded.detail,
        sequence=link.sequence,
        prev_hash=link.prev_hash,
        entry_hash=link.entry_hash,
    )


def _store(batch: list[Any], head: Any) -> None:
    from django.db import transaction

    from lantern.audit.models import AuditChainHead, AuditEvent

    if not batch:
        return
    with transaction.atomic():
        AuditEvent.objects.bulk_create(batch)
        AuditChainHead.objects.filter(pk=1).update(
            sequence=head.sequence, entry_hash=head.entry_hash
        )


def _bench_verify(args: argparse.Namespace) -> None:
    from django.db import connection

    _load_chain(args.entries)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE audit_auditevent")
    connection.close()
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-m", "lantern.cli", "audit", "verify"],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"lantern audit verify: exit {completed.returncode}, {seconds:.1f} s wall clock")
    print(f"  {(completed.stdout or completed.stderr).strip()}")
    print(f"  {args.entries / seconds:,.0f} entries/s; peak memory of the process {peak_mb:.0f} MB")


def worker(args: argparse.Namespace) -> None:
    harness.start_worker()
    _bench_writes(args)
    _bench_verify(args)


# --- Entry point ----------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=2000, help="timed audit_record calls")
    parser.add_argument("--writers", type=int, default=4, help="concurrent writers (threads)")
    parser.add_argument("--entries", type=int, default=1_000_000, help="chain length to verify")
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("LANTERN_BENCH_POSTGRES_URL", harness.DEFAULT_POSTGRES_URL),
    )
    parser.add_argument("--postgres-db", default="lantern_audit_bench")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds per database")
    parser.add_argument("--worker", choices=("sqlite", "postgres"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return 0
    print(
        f"Audit benchmark: {args.calls:,} audit_record calls (then {args.writers} writers at "
        f"once), verifying a chain of {args.entries:,} entries"
    )

    def run(database: str, database_url: str, tmp: Path) -> int:
        worker_args = [
            "--calls",
            str(args.calls),
            "--writers",
            str(args.writers),
            "--entries",
            str(args.entries),
        ]
        return harness.run_worker(__file__, worker_args, database, database_url, tmp, args.timeout)

    return harness.run_selected(args.database, run, args.postgres_url, args.postgres_db, PREFIX)


if __name__ == "__main__":
    sys.exit(main())
