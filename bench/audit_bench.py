"""Audit trail benchmark: what an audit append costs, how many appends per second concurrent
writers reach, how fast the sealer chains them, and how long verifying a big chain takes.

Usage (from the repository root)::

    .venv/bin/python bench/audit_bench.py [--calls 2000] [--writers 1,2,4,8] [--seconds 5]
        [--entries 1000000] [--database sqlite|postgres|both]

For each database the script builds a *fresh* database (SQLite: a file in a temporary
directory; PostgreSQL: a dedicated ``lantern_audit_bench`` database, dropped afterwards),
runs the migrations (append-only triggers included), and then:

On PostgreSQL each append outside a request's own transaction is one commit, so on a
slow disk the commit's flush, not Lantern, sets the pace; ``--synchronous-commit off``
measures the same appends without it (PostgreSQL's own group commit, ``commit_delay``, is
the production knob; see docs/deploy.md).

(a) times ``audit_record`` -- the call every view makes -- one committed entry per call, as a
    request writes it, and prints the median, p95 and max per call: the time the audit
    append adds to a request.
(b) runs 1, 2, 4 and 8 writers at once (``--writers``; separate processes, each with its own
    connection, as gunicorn workers are) appending for ``--seconds`` each, and prints the
    appends per second they reach together.
(c) seals everything appended so far with ``lantern audit seal``'s code and prints the
    sealer's throughput; then bulk-inserts unsealed synthetic entries up to ``--entries``
    (what requests would have left) and times sealing them too.
(d) runs ``lantern audit verify`` as an operator would, in its own process, and prints its
    wall-clock time, throughput and peak memory.

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
    user, patient = _actor_and_patient()
    write = _writer(user.pk, patient.pk)
    _timed_writes(WARM_UP_CALLS, write)
    _summary("audit_record, one writer", _timed_writes(args.calls, write))
    for writers in (int(n) for n in args.writers.split(",")):
        count, seconds = _concurrent_appends(writers, args.seconds, user.pk, patient.pk)
        print(
            f"audit appends, {writers} concurrent writer(s): {count / seconds:,.0f} entries/s "
            f"({count:,} in {seconds:.1f} s)"
        )


def _writer(user_id: int, patient_id: Any) -> Any:
    from lantern.accounts.models import User
    from lantern.audit.context import current_source_address
    from lantern.audit.models import Action, Category
    from lantern.patients.models import Patient

    user = User.objects.get(pk=user_id)
    patient = Patient.objects.get(pk=patient_id)
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

    from lantern.audit.services import audit_record

    return write


def _append_for(seconds: float, user_id: int, patient_id: Any, start: Any, counts: Any) -> None:
    """One writer process: append until the time is up, then report how many."""
    from django.db import connection

    connection.close()  # never share the parent's connection
    write = _writer(user_id, patient_id)
    start.wait()
    deadline = time.perf_counter() + seconds
    n = 0
    while time.perf_counter() < deadline:
        write(n)
        n += 1
    counts.put(n)
    connection.close()


def _concurrent_appends(
    writers: int, seconds: float, user_id: int, patient_id: Any
) -> tuple[int, float]:
    import multiprocessing

    from django.db import connection

    connection.close()
    context = multiprocessing.get_context("fork")
    start = context.Barrier(writers + 1)
    counts = context.Queue()
    processes = [
        context.Process(target=_append_for, args=(seconds, user_id, patient_id, start, counts))
        for _ in range(writers)
    ]
    for process in processes:
        process.start()
    start.wait()
    began = time.perf_counter()
    total = sum(counts.get() for _ in processes)
    elapsed = time.perf_counter() - began
    for process in processes:
        process.join()
    return total, elapsed


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


def _seal_timed(label: str) -> None:
    from lantern.audit.sealing import audit_seal

    started = time.perf_counter()
    done = audit_seal(alarm=False)
    seconds = time.perf_counter() - started
    rate = done.entries / seconds if seconds else 0.0
    print(
        f"sealer, {label}: {done.entries:,} entries and {done.gaps:,} gaps in "
        f"{len(done.batches)} batches, {seconds:.1f} s ({rate:,.0f} entries/s)"
    )


def _load_unsealed(total: int) -> None:
    """Add unsealed synthetic entries up to ``total``, numbered after the existing ones."""
    from django.db import connection

    from lantern.audit.models import AuditEvent
    from lantern.audit.services import next_sequences

    missing = total - AuditEvent.objects.count()
    if missing <= 0:
        return
    started = time.perf_counter()
    begin = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    batch: list[Any] = []
    for recorded in _synthetic(missing, begin):
        batch.append(AuditEvent(**recorded._asdict()))
        if len(batch) == LOAD_BATCH:
            _insert(batch, next_sequences)
            batch = []
    _insert(batch, next_sequences)
    seconds = time.perf_counter() - started
    print(f"loaded {missing:,} unsealed synthetic entries in {seconds:.1f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE audit_auditevent")


def _insert(batch: list[Any], next_sequences: Any) -> None:
    from django.db import transaction

    from lantern.audit.models import AuditEvent

    if not batch:
        return
    with transaction.atomic():
        for entry, sequence in zip(batch, next_sequences(len(batch)), strict=True):
            entry.sequence = sequence
        AuditEvent.objects.bulk_create(batch)


def _bench_verify(args: argparse.Namespace) -> None:
    from django.db import connection

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
    _seal_timed("the entries the writers appended")
    _load_unsealed(args.entries)
    _seal_timed(f"a backlog up to {args.entries:,} entries")
    _bench_verify(args)


# --- Entry point ----------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=2000, help="timed audit_record calls")
    parser.add_argument(
        "--writers", default="1,2,4,8", help="numbers of concurrent writers (processes)"
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds per writer count")
    parser.add_argument(
        "--synchronous-commit",
        choices=("on", "off"),
        default="on",
        help="PostgreSQL: 'off' shows the ceiling without waiting for the disk at each commit",
    )
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
        f"Audit benchmark: {args.calls:,} audit_record calls, then {args.writers} writers at "
        f"once for {args.seconds:g} s each, sealing and verifying {args.entries:,} entries"
    )

    def run(database: str, database_url: str, tmp: Path) -> int:
        worker_args = [
            "--calls",
            str(args.calls),
            "--writers",
            args.writers,
            "--seconds",
            str(args.seconds),
            "--entries",
            str(args.entries),
        ]
        if database == "postgres" and args.synchronous_commit == "off":
            database_url += "?options=-c%20synchronous_commit%3Doff"
        return harness.run_worker(__file__, worker_args, database, database_url, tmp, args.timeout)

    return harness.run_selected(args.database, run, args.postgres_url, args.postgres_db, PREFIX)


if __name__ == "__main__":
    sys.exit(main())
