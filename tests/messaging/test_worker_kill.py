"""A real task worker is killed with SIGKILL in the middle of sending: after two new workers
start, every queued reminder has arrived at the SMTP server exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.messaging.servers import SmtpServer

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = 20
KILL_AT = 8  # the worker dies while telling the server who the 8th message is for
LEASE = 3
WAIT = 90.0

pytestmark = pytest.mark.xdist_group("serve")

SEED = f"""
import datetime
from django.db import transaction
from lantern.accounts.models import Clinic, HealthSystem, Role, User
from lantern.messaging.services import message_enqueue, patient_channel_ref
from lantern.patients import services
from lantern.patients.models import Patient

system = HealthSystem.objects.create(name="System")
clinic = Clinic.objects.create(name="Clinic", health_system=system)
staff = User.objects.create_user(
    "nurse", role=Role.CLINICIAN, clinician_type="nurse", health_system=system
)
staff.clinics.set([clinic])
details = services.PatientDetails(
    preferred_name="Rosa", legal_name="", birth_date_kind="unknown", birth_date=None,
    estimated_age=None, sex_at_birth="female", gender_identity="woman",
    gender_identity_detail="", pronouns="", preferred_language="en", interpreter_needed=False,
)
patient = services.patient_register(actor=staff, clinic=clinic, details=details, aliases=(), mrn="")
services.contact_plan_update(actor=staff, patient=patient, do_not_contact=False, notes="",
                             confirmed_at=datetime.date.today())
channel = services.contact_channel_update(actor=staff, patient=patient, channel="email", values={{
    "safety": "safe", "destination": "rosa@example.org", "time_windows": [],
    "voicemail_allowed": False, "code_word": "", "approved_wording": "",
    "confirmed_at": datetime.date.today()}})
for n in range({MESSAGES}):
    with transaction.atomic():
        message_enqueue(key=f"reminder:{{n}}", channel="email", audience="patient",
                        recipient_ref=patient_channel_ref(channel), body=f"Reminder number {{n}}.",
                        subject="Reminder", patient=patient)
"""

STATES = """
import json
from lantern.messaging.models import OutboxMessage
print(json.dumps(sorted(OutboxMessage.objects.values_list("state", flat=True))))
"""


@pytest.fixture
def database_url():  # type: ignore[no-untyped-def]
    """The suite's PostgreSQL server when it runs on one (claims then use SKIP LOCKED), with
    a database of the test's own; otherwise a SQLite file in the data folder."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield ""
        return
    import psycopg

    name = f"lantern_worker_kill_{os.getpid()}"
    server, _, _ = url.rpartition("/")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def environment(data_dir: Path, smtp_port: int, database_url: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("LANTERN_", "DJANGO_", "DATABASE_URL"))
    }
    env.update(
        {
            "LANTERN_MODE": "demo",
            "LANTERN_DATA_DIR": str(data_dir),
            "LANTERN_SMTP_HOST": "127.0.0.1",
            "LANTERN_SMTP_PORT": str(smtp_port),
            "LANTERN_SMTP_TLS": "false",
            "LANTERN_SMTP_TIMEOUT_SECONDS": "2",
            "LANTERN_MESSAGING_LEASE_SECONDS": str(LEASE),
            "LANTERN_LOG_LEVEL": "WARNING",
        }
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def lantern(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "lantern.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,  # migrating a fresh database is slow on a busy machine
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def states_now(env: dict[str, str]) -> list[str]:
    return json.loads(lantern(env, "shell", "--no-imports", "-c", STATES).splitlines()[-1])


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "lantern.cli",
                "worker",
                "--no-startup-delay",
                "--interval",
                "0.2",
            ],
            env=env,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def wait_for(condition, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_sigkill_mid_send_loses_no_reminder_and_sends_none_twice(tmp_path, database_url):
    log = tmp_path / "worker.log"
    with SmtpServer() as smtp:
        smtp.handler.hold_at = KILL_AT
        env = environment(tmp_path / "var", smtp.port, database_url)
        lantern(env, "migrate", "--no-input", "-v", "0")
        lantern(env, "shell", "-c", SEED)

        first = start_worker(env, log)
        try:
            assert smtp.handler.holding.wait(WAIT), log.read_text()
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
        finally:
            if first.poll() is None:
                first.kill()
        smtp.handler.release.set()
        assert first.returncode == -signal.SIGKILL
        assert len(smtp.received) == KILL_AT - 1
        states = states_now(env)
        assert Counter(states) == {"sent": KILL_AT - 1, "sending": 1, "queued": MESSAGES - KILL_AT}

        # Two workers now, side by side: they share the work and never the same message.
        second, third = start_worker(env, log), start_worker(env, log)
        try:
            wait_for(lambda: len(smtp.received) >= MESSAGES, "every reminder")
            wait_for(
                lambda: states_now(env) == ["sent"] * MESSAGES,
                "every message recorded sent",
            )
            time.sleep(LEASE + 1)  # a duplicate would have had time to arrive
        finally:
            for worker in (second, third):
                worker.send_signal(signal.SIGTERM)
            for worker in (second, third):
                worker.wait(timeout=30)

        bodies = Counter(received.body.strip() for received in smtp.received)
        assert bodies == Counter(f"Reminder number {n}." for n in range(MESSAGES))
        ids = {received.message["Message-ID"] for received in smtp.received}
        assert len(smtp.received) == len(ids) == MESSAGES
