"""What Lantern's database benchmarks share: fresh databases and one subprocess each.

Settings are read once per process, so each database is measured by re-running the
benchmark script in its own subprocess (``--worker <database>``) with an environment that
points Lantern at a fresh SQLite file or a fresh PostgreSQL database, both removed
afterwards. Nothing here depends on the developer's own data or settings.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

REPO_DIR = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
SAFE_DB_NAME = re.compile(r"^[a-z_][a-z0-9_]*bench[a-z0-9_]*$")

Run = Callable[[str, str, Path], int]  # (database, database URL, temporary folder) -> status


def child_env(database_url: str, data_dir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("LANTERN_") and key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        LANTERN_MODE="demo",
        LANTERN_DATA_DIR=str(data_dir),
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="lantern.settings",
        LANTERN_LOG_LEVEL="WARNING",
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_DIR), os.environ.get("PYTHONPATH")])),
    )
    return env


def run_worker(
    script: str,
    worker_args: Sequence[str],
    database: str,
    database_url: str,
    tmp: Path,
    timeout: float,
) -> int:
    """Re-run ``script`` as the worker for ``database``; a time-out counts as a failure."""
    command = [
        sys.executable,
        "-u",
        str(Path(script).resolve()),
        "--worker",
        database,
        *worker_args,
    ]
    try:
        completed = subprocess.run(  # noqa: S603 (our own interpreter and script)
            command,
            env=child_env(database_url, tmp / "data"),
            cwd=REPO_DIR,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        print(f"!! {database}: gave up after {timeout} s", flush=True)
        return 1
    return completed.returncode


def on_fresh_sqlite(run: Run, prefix: str) -> int:
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        return run("sqlite", f"sqlite:///{tmp / 'bench.sqlite3'}", tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def on_fresh_postgres(run: Run, admin_url: str, name: str, prefix: str) -> int:
    """Create database ``name`` (its name must contain "bench"), run, then drop it."""
    import psycopg
    from psycopg import sql

    if not SAFE_DB_NAME.match(name):
        raise SystemExit(f"--postgres-db {name!r}: lower-case letters, digits, '_' and 'bench'")
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(drop)
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    # Same server and credentials as the admin URL, but the benchmark database.
    parts = psycopg.conninfo.conninfo_to_dict(admin_url)
    user = quote(str(parts.get("user") or "postgres"), safe="")
    password = f":{quote(str(parts['password']), safe='')}" if parts.get("password") else ""
    host = quote(str(parts.get("host") or "127.0.0.1"), safe="")  # a socket path works too
    database_url = f"postgres://{user}{password}@{host}:{parts.get('port') or 5432}/{name}"
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        return run("postgres", database_url, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(drop)


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def run_selected(which: str, run: Run, postgres_url: str, postgres_db: str, prefix: str) -> int:
    """Run on a fresh SQLite file, a fresh PostgreSQL database, or both (``which``)."""
    status = 0
    if which in {"sqlite", "both"}:
        status |= on_fresh_sqlite(run, prefix)
    if which in {"postgres", "both"}:
        status |= on_fresh_postgres(run, postgres_url, postgres_db, prefix)
    return status


def start_worker() -> str:
    """In a worker: set Django up, say which database this is, migrate it; the vendor."""
    import time

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    vendor = connection.vendor
    with connection.cursor() as cursor:
        cursor.execute("SELECT sqlite_version()" if vendor == "sqlite" else "SHOW server_version")
        version = cursor.fetchone()[0]
    where = "fresh file in a temporary directory" if vendor == "sqlite" else "fresh database"
    print(f"\n== {'SQLite' if vendor == 'sqlite' else 'PostgreSQL'} {version} ({where}) ==")
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    print(f"migrate: {time.perf_counter() - started:.1f} s")
    return vendor


def bench_clinician() -> tuple[Any, Any]:
    """A clinic of a fresh health system and one clinician working there: (clinic, user)."""
    from lantern.accounts.models import Clinic, ClinicianType, HealthSystem, Role, User

    system = HealthSystem.objects.create(name="Bench Health")
    clinic = Clinic.objects.create(health_system=system, name="Bench Clinic")
    user = User.objects.create_user(
        username="bench-clinician",
        password=None,
        display_name="Bench Clinician",
        role=Role.CLINICIAN,
        clinician_type=ClinicianType.PHYSICIAN,
        health_system=system,
    )
    user.clinics.add(clinic)
    return clinic, user
