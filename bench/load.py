"""Load benchmark: 50 signed-in clinicians on a running Lantern for 3 minutes (locust).

Usage (from the repository root)::

    .venv/bin/python bench/load.py                            # 50 users, 3 minutes
    .venv/bin/python bench/load.py --users 10 --duration 30 --patients 500   # a quick look

A fresh PostgreSQL database with Lantern's two roles (docs/deploy.md), production mode,
fresh keys and its own data folder; ``lantern serve`` on 127.0.0.1 as it runs in production
(gunicorn with its default two workers, the task worker and the audit sealer beside it).
The data set: ``--patients`` patients, each with a visit, a completed PHQ-9 and a care
plan, and one clinician account per user (each with its own authenticator), every clinician
on every patient's care team (every patient visible to everyone: the worst case for search).

``locust --headless`` then runs ``--users`` clinicians (``bench/load_users.py``), started
``--spawn-rate`` a second. Each signs in through the real forms (password, then a TOTP code),
then, with a pause of ``--think`` seconds between pages, searches by name (3 in 11), opens
a chart (3), a visit (2) or a screening result (2), or adds a care-plan activity through the
form and lands on the plan (1). It prints, per kind and over all pages after sign-in, the
count, p50, p95, p99 and errors; the sign-in steps on their own; the writes sent,
acknowledged and found stored afterwards; the machine's load average; and one summary
line. Target: p95 under 300 ms with 50 users on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness
import live

PREFIX = "lantern-load-bench-"
TARGET_P95_MS = 300
SIGN_IN = ("sign-in page", "sign-in: password", "sign-in: code", "search page")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=180, help="seconds of load")
    parser.add_argument("--spawn-rate", type=float, default=5.0, help="users started a second")
    parser.add_argument("--think", default="1,5", help="pause between pages: MIN,MAX seconds")
    parser.add_argument("--patients", type=int, default=5000)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=18220)
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("LANTERN_BENCH_POSTGRES_URL", harness.DEFAULT_POSTGRES_URL),
    )
    parser.add_argument("--postgres-db", default="lantern_faults_load_bench")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--step", choices=("seed", "count"), help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.worker:
        return in_django(options)
    with live.fresh_database(options.postgres_url, options.postgres_db) as database:
        tmp = Path(tempfile.mkdtemp(prefix=PREFIX))
        try:
            return run(options, database, tmp)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def run(options: argparse.Namespace, database: live.Database, tmp: Path) -> int:
    env = live.production_env(database, tmp / "data")
    started = time.perf_counter()
    live.install(env, database)
    print(f"migrate and collectstatic: {time.perf_counter() - started:.1f} s", flush=True)
    data_file = tmp / "data.json"
    started = time.perf_counter()
    seed = ["--step", "seed", "--file", str(data_file), "--users", str(options.users)]
    if live.run_self(__file__, [*seed, "--patients", str(options.patients)], env, 3600):
        return 1
    _analyze(database)
    print(
        f"data set: {options.patients:,} patients with a visit, a PHQ-9 and a care plan; "
        f"{options.users} clinicians on every care team; {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    out = tmp / "times.json"
    with live.Server(env, options.port, tmp / "serve.log", options.web_workers) as server:
        server.start()
        load_before = os.getloadavg()
        status = _locust(options, server.base, data_file, out)
        load_after = os.getloadavg()
    if status != 0 and not out.exists():
        print(f"locust failed (exit {status})")
        return 1
    count = ["--step", "count", "--file", str(tmp / "stored.json")]
    if live.run_self(__file__, count, env, 600):
        return 1
    stored = json.loads((tmp / "stored.json").read_text())["stored"]
    return report(options, json.loads(out.read_text()), stored, (load_before, load_after))


def _analyze(database: live.Database) -> None:
    """What autovacuum would do shortly after a bulk load (the owner may; Lantern's role not)."""
    import psycopg

    with psycopg.connect(database.owner_url, autocommit=True) as owner:
        owner.execute("VACUUM ANALYZE")


def _locust(options: argparse.Namespace, base: str, data_file: Path, out: Path) -> int:
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(Path(__file__).resolve().parent / "load_users.py"),
        "--headless",
        "--users",
        str(options.users),
        "--spawn-rate",
        str(options.spawn_rate),
        "--run-time",
        f"{options.duration}s",
        "--stop-timeout",
        "10",
        "--host",
        base,
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    env = {
        **os.environ,
        "LOAD_BENCH_DATA": str(data_file),
        "LOAD_BENCH_OUT": str(out),
        "LOAD_BENCH_THINK": options.think,
    }
    try:
        done = subprocess.run(  # noqa: S603 (locust from this environment)
            command, env=env, cwd=live.REPO_DIR, timeout=options.duration + 300, check=False
        )
    except subprocess.TimeoutExpired:
        print("!! locust did not stop in time")
        return 1
    return done.returncode


def report(
    options: argparse.Namespace,
    result: dict[str, dict[str, object]],
    stored: int,
    load: tuple[tuple[float, ...], tuple[float, ...]],
) -> int:
    times: dict[str, list[float]] = result["times"]  # type: ignore[assignment]
    errors: dict[str, int] = result["errors"]  # type: ignore[assignment]
    writes: dict[str, int] = result["writes"]  # type: ignore[assignment]
    pages = {name: values for name, values in times.items() if name not in SIGN_IN}
    every = [value for values in pages.values() for value in values]
    print(f"\n{'kind':<22} {'count':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for name in sorted(times, key=lambda n: (n in SIGN_IN, n)):
        _row(name, times[name], errors.get(name, 0))
    page_errors = sum(count for name, count in errors.items() if name not in SIGN_IN)
    _row("all pages after sign-in", every, page_errors)
    if not every:
        print("no page was answered")
        return 1
    p50, p95, p99 = (harness.percentile(every, f) for f in (0.5, 0.95, 0.99))
    rate = len(every) / options.duration
    met = p95 < TARGET_P95_MS and page_errors == 0 and stored == writes["acknowledged"]
    before, after = load
    print(
        f"\nwrites: {writes['sent']} sent, {writes['acknowledged']} acknowledged, "
        f"{stored} stored\nload average: {before[0]:.1f} before, {after[0]:.1f} after "
        f"(1 minute), {after[1]:.1f} over the last 5 minutes; {os.cpu_count()} cores"
    )
    print(
        f"load: {options.users} users, {options.duration} s, {options.patients:,} patients, "
        f"{len(every)} pages ({rate:.1f}/s), p50 {p50:.0f} ms, p95 {p95:.0f} ms, "
        f"p99 {p99:.0f} ms, errors {page_errors}, writes sent {writes['sent']} acknowledged "
        f"{writes['acknowledged']} stored {stored}, "
        f"load average {after[1]:.1f}; target p95 < {TARGET_P95_MS} ms: "
        f"{'met' if met else 'NOT met'}",
        flush=True,
    )
    return 0 if met else 1


def _row(name: str, values: list[float], failed: int) -> None:
    if not values:
        return
    p50, p95, p99 = (harness.percentile(values, f) for f in (0.5, 0.95, 0.99))
    print(f"{name:<22} {len(values):>7} {p50:>8.0f} {p95:>8.0f} {p99:>8.0f} {failed:>7}")


def in_django(options: argparse.Namespace) -> int:
    import django

    django.setup()
    if options.step == "seed":
        data = live.seed(clinicians=options.users, patients=options.patients)
        live.write_json(Path(options.file), data)
        return 0
    from lantern.careplans.models import Activity

    stored = sum(1 for a in Activity.objects.only("title") if str(a.title).startswith("load-"))
    live.write_json(Path(options.file), {"stored": stored})
    return 0


if __name__ == "__main__":
    sys.exit(main())
