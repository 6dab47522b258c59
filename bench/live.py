"""What the benches that drive a running Lantern share (``faults.py``, ``load.py``).

* A fresh PostgreSQL database set up as docs/deploy.md describes: an owner role that runs
  the migrations and an application role that ``lantern serve`` connects as; both roles and
  the database are dropped at the end.
* ``lantern serve`` itself (gunicorn, the task worker and the audit sealer under its
  supervisor), production mode, on 127.0.0.1, with its own data folder and fresh keys. It
  is told it sits behind a TLS proxy, as production does: clients send
  ``X-Forwarded-Proto: https`` and keep the ``Secure`` cookies a browser would keep.
* Staff who sign in through the real forms: password, then a TOTP code from their own
  authenticator key.
* A small data set: clinicians on every patient's care team, each patient with a visit, a
  completed PHQ-9 screening and a care plan.

Only 127.0.0.1 is ever contacted. Every wait is bounded.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import hmac
import json
import os
import re
import secrets
import signal
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import harness

REPO_DIR = harness.REPO_DIR
LANTERN = [sys.executable, "-m", "lantern.cli"]
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


# --- Database and environment -----------------------------------------------------------


@dataclass(frozen=True)
class Database:
    name: str
    owner_url: str
    app_url: str
    app_role: str


def _url(parts: dict[str, Any], user: str, password: str, name: str) -> str:
    host = quote(str(parts.get("host") or "127.0.0.1"), safe="")
    return f"postgres://{user}:{quote(password, safe='')}@{host}:{parts.get('port') or 5432}/{name}"


@contextlib.contextmanager
def fresh_database(admin_url: str, name: str) -> Iterator[Database]:
    """Database ``name`` (it must contain "bench") with its two roles, dropped afterwards."""
    import psycopg
    from psycopg import sql

    if not harness.SAFE_DB_NAME.match(name):
        raise SystemExit(f"--postgres-db {name!r}: lower-case letters, digits, '_' and 'bench'")
    owner, app = f"{name}_owner", f"{name}_app"
    passwords = {owner: secrets.token_urlsafe(18), app: secrets.token_urlsafe(18)}

    def drop(admin: Any) -> None:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        for role in (owner, app):
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))

    with psycopg.connect(admin_url, autocommit=True) as admin:
        drop(admin)
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    parts = psycopg.conninfo.conninfo_to_dict(admin_url)
    admin_user = str(parts.get("user") or "postgres")
    target = _url(parts, admin_user, str(parts.get("password") or ""), name).replace(":@", "@")
    subprocess.run(  # noqa: S603 (psql, with the project's own role script)
        [  # noqa: S607 (the PostgreSQL client on the PATH, as the README runs it)
            "psql",
            target,
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-v",
            f"owner={owner}",
            "-v",
            f"owner_password={passwords[owner]}",
            "-v",
            f"app={app}",
            "-v",
            f"app_password={passwords[app]}",
            "-f",
            str(REPO_DIR / "docs" / "postgres-roles.sql"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    try:
        yield Database(
            name,
            _url(parts, owner, passwords[owner], name),
            _url(parts, app, passwords[app], name),
            app,
        )
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            drop(admin)


def production_env(database: Database, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a production installation behind a TLS proxy on 127.0.0.1."""
    from lantern.crypto.keyring import new_key_material

    keys = dict(
        line.split("=", 1) for line in new_key_material("k1") if line and not line.startswith("#")
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("LANTERN_", "DJANGO_", "DATABASE_URL", "GUNICORN_"))
    }
    env.update(
        keys,
        LANTERN_MODE="production",
        LANTERN_SECRET_KEY=secrets.token_urlsafe(60),
        LANTERN_ALLOWED_HOSTS="127.0.0.1",
        LANTERN_BEHIND_TLS_PROXY="true",
        LANTERN_DATA_DIR=str(data_dir),
        LANTERN_DB_APP_ROLE=database.app_role,
        DATABASE_URL=database.app_url,
        DJANGO_SETTINGS_MODULE="lantern.settings",
        LANTERN_LOG_LEVEL="WARNING",
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_DIR), os.environ.get("PYTHONPATH")])),
    )
    env.update(extra)
    return env


def lantern(
    env: dict[str, str], *args: str, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (our own interpreter and command)
        [*LANTERN, *args], env=env, cwd=REPO_DIR, capture_output=True, text=True, timeout=timeout
    )


def install(env: dict[str, str], database: Database) -> None:
    """``lantern migrate`` as the owner (granting the application role), then static files."""
    for args, url in (
        (["migrate", "--no-input", "-v", "0"], database.owner_url),
        (["collectstatic", "--no-input", "-v", "0"], database.app_url),
    ):
        done = lantern({**env, "DATABASE_URL": url}, *args)
        if done.returncode != 0:
            raise SystemExit(f"lantern {args[0]} failed:\n{done.stderr[-3000:]}")


def run_self(script: str, args: list[str], env: dict[str, str], timeout: float) -> int:
    """Re-run ``script`` as the worker inside the installation's environment."""
    command = [sys.executable, "-u", str(Path(script).resolve()), "--worker", *args]
    try:
        done = subprocess.run(command, env=env, cwd=REPO_DIR, timeout=timeout, check=False)  # noqa: S603
        return done.returncode
    except subprocess.TimeoutExpired:
        print(f"!! gave up after {timeout} s", flush=True)
        return 1


# --- lantern serve ----------------------------------------------------------------------


def alive(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    try:
        state = stat.read_text().rsplit(") ", 1)[-1][:1]
    except OSError:
        return False
    return state != "Z"


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(") ", 1)[-1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


class Server:
    """One ``lantern serve`` on 127.0.0.1:``port``, its output in ``log``."""

    NAMES = ("web server", "task worker", "audit sealer")

    def __init__(self, env: dict[str, str], port: int, log: Path, web_workers: int = 2) -> None:
        self.env, self.port, self.log, self.web_workers = env, port, log, web_workers
        self.base = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, wait: float = 120) -> None:
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(  # noqa: S603 (our own command)
                [
                    *LANTERN,
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--workers",
                    str(self.web_workers),
                ],
                env=self.env,
                cwd=REPO_DIR,
                stdout=output,
                stderr=subprocess.STDOUT,
                process_group=0,
            )
        self.wait_ready(wait)

    def pids(self, name: str) -> list[int]:
        text = self.log.read_text(errors="replace")
        return [int(pid) for pid in re.findall(rf"{name} started \(pid (\d+)\)", text)]

    def current(self, name: str) -> int | None:
        """The newest process of ``name`` (web server, task worker, audit sealer), if alive."""
        started = self.pids(name)
        return started[-1] if started and alive(started[-1]) else None

    def web_worker_pids(self) -> list[int]:
        master = self.current("web server")
        return [] if master is None else children_of(master)

    def healthy(self) -> bool:
        return (
            self.process is not None
            and self.process.poll() is None
            and all(self.current(name) for name in self.NAMES)
            and len(self.web_worker_pids()) >= self.web_workers
            and status_of(f"{self.base}/accounts/sign-in/") == 200
        )

    def wait_ready(self, wait: float = 120) -> float:
        started = time.monotonic()
        deadline = started + wait
        while time.monotonic() < deadline:
            if self.healthy():
                return time.monotonic() - started
            if self.process is not None and self.process.poll() is not None:
                break
            time.sleep(0.1)
        tail = self.log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"lantern serve did not come up in {wait} s:\n{tail}")

    def every_pid(self) -> list[int]:
        """Every process of this installation: the supervisor, its children and theirs, and
        any left behind by a supervisor that died (told apart by their data folder)."""
        marker = f"LANTERN_DATA_DIR={self.env['LANTERN_DATA_DIR']}".encode()
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                environ = (entry / "environ").read_bytes().split(b"\0")
            except OSError:
                continue
            if marker in environ and alive(int(entry.name)):
                found.append(int(entry.name))
        return found

    def kill_everything(self) -> list[int]:
        """SIGKILL the supervisor and every process under it at once, as a crash would."""
        pids = self.every_pid()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=30)
        deadline = time.monotonic() + 30
        while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        return pids

    def stop(self) -> None:
        """Stop it as an operator would (SIGTERM); whatever is left after a minute is killed."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=60)
        self.kill_everything()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def status_of(url: str) -> int | None:
    import requests

    try:
        return requests.get(
            url, headers=PROXY_HEADERS, timeout=5, allow_redirects=False
        ).status_code
    except requests.RequestException:
        return None


# --- Staff signing in through the forms -------------------------------------------------

PROXY_HEADERS = {"X-Forwarded-Proto": "https"}


def _browser_jar() -> Any:
    """A cookie jar that sends the ``Secure`` cookies back, as a browser talking HTTPS to the
    TLS proxy would (the proxy's side is plain HTTP on 127.0.0.1)."""
    from requests.cookies import RequestsCookieJar

    class BrowserJar(RequestsCookieJar):
        def set_cookie(self, cookie: Any, *args: Any, **kwargs: Any) -> None:
            cookie.secure = False
            super().set_cookie(cookie, *args, **kwargs)

    return BrowserJar()


def totp(key_hex: str, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    """RFC 6238, as an authenticator app computes it."""
    counter = int((time.time() if at is None else at) // step)
    digest = hmac.new(bytes.fromhex(key_hex), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**digits
    return f"{code:0{digits}d}"


@dataclass(frozen=True)
class Staff:
    username: str
    password: str
    totp_key: str


def prepare_session(session: Any, base: str) -> None:
    """A ``requests`` session (or locust's client) that talks as a browser behind the proxy."""
    session.cookies = _browser_jar()
    session.headers.update({**PROXY_HEADERS, "Origin": base.replace("http://", "https://")})


def csrf_token(html: str) -> str:
    found = CSRF_INPUT.search(html)
    if found is None:
        raise RuntimeError("no CSRF token on the page")
    return found.group(1)


def sign_in(session: Any, base: str, staff: Staff, timeout: float = 30) -> None:
    """Password, then the authenticator's code, through the sign-in pages."""
    page = session.get(f"{base}/accounts/sign-in/", timeout=timeout)
    answer = session.post(
        f"{base}/accounts/sign-in/",
        data={
            "username": staff.username,
            "password": staff.password,
            "csrfmiddlewaretoken": csrf_token(page.text),
        },
        timeout=timeout,
    )
    if "/accounts/two-factor/" not in answer.url:
        raise RuntimeError(
            f"sign-in of {staff.username} did not reach the second factor "
            f"({answer.status_code} at {answer.url})"
        )
    done = session.post(
        answer.url,
        data={"otp_token": totp(staff.totp_key), "csrfmiddlewaretoken": csrf_token(answer.text)},
        timeout=timeout,
    )
    if "/accounts/two-factor/" in done.url or done.status_code != 200:
        raise RuntimeError(f"second factor of {staff.username} refused ({done.status_code})")


# --- The data set (inside a Django process) ---------------------------------------------


def seed(*, clinicians: int, patients: int, seed_value: int = 1) -> dict[str, Any]:
    """Clinic, clinicians (one password, each their own authenticator), patients with a
    visit, a completed PHQ-9 and a care plan; every clinician on every care team."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from lantern.accounts.models import (
        Authenticator,
        Clinic,
        ClinicianType,
        HealthSystem,
        Role,
        User,
    )
    from lantern.careplans.models import CarePlan
    from lantern.encounters.models import Encounter
    from lantern.patients.bulk import patients_bulk_create
    from lantern.patients.models import Patient
    from lantern.patients.synthetic import synthetic_patients
    from lantern.screening.models import ScreeningResult, ScreeningSession

    system = HealthSystem.objects.create(name="Bench Health")
    clinic = Clinic.objects.create(health_system=system, name="Bench Clinic")
    password = secrets.token_urlsafe(18)
    encoded = make_password(password)  # one Argon2id hash: hashing 50 would take a minute
    staff: list[Staff] = []
    users = []
    for number in range(clinicians):
        user = User.objects.create_user(
            username=f"bench-clinician-{number:03d}",
            password=None,
            display_name=f"Bench Clinician {number}",
            role=Role.CLINICIAN,
            clinician_type=ClinicianType.PHYSICIAN,
            health_system=system,
        )
        user.password = encoded
        user.save(update_fields=["password"])
        user.clinics.add(clinic)
        key = secrets.token_hex(20)
        Authenticator.objects.create(user=user, confirmed=True, name="bench", key=key)
        staff.append(Staff(user.username, password, key))
        users.append(user)
    today = timezone.localdate()
    records = list(synthetic_patients(patients, seed_value, today))
    patients_bulk_create(actor=None, records=records, clinic=clinic, care_team=users)
    now = timezone.now()
    rows = []
    with transaction.atomic():
        made = list(Patient.objects.order_by("registered_at", "pk"))
        CarePlan.objects.bulk_create(CarePlan(patient=p) for p in made)
        visits = Encounter.objects.bulk_create(
            Encounter(
                patient=p,
                clinic=clinic,
                kind="clinic",
                started_at=now - datetime.timedelta(days=1 + n % 60),
                companion="came_alone",
                interpreter="not_needed",
                created_by=users[0],
            )
            for n, p in enumerate(made)
        )
        sessions = ScreeningSession.objects.bulk_create(
            ScreeningSession(
                patient=v.patient,
                mode="clinician",
                clinic=clinic,
                instrument_ids=["phq-9"],
                status="completed",
                started_by=users[0],
                started_at=v.started_at,
                completed_at=v.started_at,
            )
            for v in visits
        )
        ScreeningResult.objects.bulk_create(
            ScreeningResult(
                session=s,
                patient=s.patient,
                instrument_id="phq-9",
                instrument_version="1",
                category="mental_health",
                total=7,
                positive=False,
                recorded_at=s.started_at,
                recorded_by=users[0],
            )
            for s in sessions
        )
    names = {str(p.pk): str(p.preferred_name) for p in made}
    for visit, session in zip(visits, sessions, strict=True):
        pid = str(visit.patient_id)
        rows.append({"patient": pid, "visit": visit.pk, "session": session.pk, "name": names[pid]})
    return {"staff": [s.__dict__ for s in staff], "patients": rows, "clinic": clinic.pk}


def write_json(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value))
    path.chmod(0o600)


def staff_from(data: dict[str, Any]) -> list[Staff]:
    return [Staff(**row) for row in data["staff"]]
