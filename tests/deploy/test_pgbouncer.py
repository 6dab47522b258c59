"""docs/deploy.md "PgBouncer in transaction mode": Lantern through the documented PgBouncer
set-up registers a patient (a request that writes and audits), seals and verifies the trail;
without LANTERN_DB_TRANSACTION_POOLING a long read loses its cursor."""

from __future__ import annotations

import configparser
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection

from tests.deploy.installation import DEPLOY_DOC, Installation, doc_blocks, installed, server

PGBOUNCER = shutil.which("pgbouncer") or next(
    (path for path in ("/usr/sbin/pgbouncer",) if Path(path).exists()), None
)

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="a PostgreSQL set-up; the suite runs on SQLite"
    ),
    pytest.mark.skipif(shutil.which("psql") is None, reason="needs the psql client"),
    pytest.mark.skipif(
        PGBOUNCER is None, reason="PgBouncer is not installed (apt-get install pgbouncer)"
    ),
    pytest.mark.xdist_group("postgres-deploy"),
]

REGISTER_THROUGH_THE_FORM = """
from django.urls import reverse
from lantern.accounts.models import Role
from lantern.audit.models import AuditEvent
from lantern.audit.sealing import audit_seal
from lantern.audit.verification import audit_verify
from lantern.patients.models import Patient
from tests.clients import signed_in
from tests.factories import ClinicFactory, UserFactory
clinic = ClinicFactory(name="Riverside Clinic")
clinician = UserFactory(username="clinician", role=Role.CLINICIAN, clinics=[clinic])
client = signed_in(clinician)
form = {
    "preferred_name": "Guadalupe Ríos", "legal_name": "", "birth_date_kind": "exact",
    "birth_date": "2001-03-31", "estimated_age": "", "sex_at_birth": "female",
    "gender_identity": "woman", "gender_identity_detail": "", "pronouns": "",
    "preferred_language": "es", "clinic": str(clinic.pk), "mrn": "RV-3003",
    "alias-TOTAL_FORMS": "1", "alias-INITIAL_FORMS": "0", "alias-MIN_NUM_FORMS": "0",
    "alias-MAX_NUM_FORMS": "3", "alias-0-name": "Lupita", "alias-0-kind": "nickname",
}
registered = client.post(reverse("patients:register"), form, secure=True)
patient = Patient.objects.get()
page = client.get(registered.url, secure=True).content.decode()
audited = AuditEvent.objects.filter(patient_id=patient.pk).count()
sealed = audit_seal(batch_size=2)
report = audit_verify(chunk_size=2)
print(registered.status_code, "Guadalupe Ríos" in page, audited > 0, len(sealed.batches) > 1,
      report.intact)
"""

WRITE_AND_SEAL = """
from lantern.audit.models import Action
from lantern.audit.sealing import audit_seal
from lantern.audit.services import audit_record
for n in range(5):
    audit_record(action=Action.READ, detail=f"entry {n}")
audit_seal()
"""


def free_port() -> int:
    """A free port in the range set aside for these tests."""
    for port in range(18300, 18400):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError("no free port in 18300-18399")


def documented_ini() -> configparser.ConfigParser:
    text = DEPLOY_DOC.read_text()
    start = text.index("```ini\n", text.index("### PgBouncer in transaction mode"))
    ini = text[start + len("```ini\n") : text.index("```", start + 7)]
    parser = configparser.ConfigParser()
    parser.read_string(ini)
    return parser


@dataclass
class Bouncer:
    installation: Installation
    port: int
    log: Path

    def url(self) -> str:
        return self.installation.url(self.installation.app, port=self.port)


@pytest.fixture(scope="module")
def bouncer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bouncer]:
    with installed(tmp_path_factory.mktemp("var")) as site:
        collected = site.lantern("collectstatic", "--no-input", "-v", "0")
        assert collected.returncode == 0, collected.stderr
        # PgBouncer refuses to run as root: it drops to the postgres user, who must read
        # its files, so they live in a folder of their own rather than pytest's.
        folder = Path(tempfile.mkdtemp(prefix="lantern-pgbouncer-"))
        try:
            yield _started(site, folder)
        finally:
            _stop(folder)
            shutil.rmtree(folder, ignore_errors=True)


def _started(site: Installation, folder: Path) -> Bouncer:
    userlist = folder / "userlist.txt"
    [make_userlist] = doc_blocks("PgBouncer in transaction mode")
    made = site.shell(make_userlist, PGBOUNCER_USERLIST=str(userlist))
    assert made.returncode == 0, made.stderr
    assert f'"{site.app}" "SCRAM-SHA-256$' in userlist.read_text()

    config = documented_ini()
    found = server()
    config["databases"] = {
        site.database: f"host={found['HOST']} port={found['PORT']} dbname={site.database}"
    }
    port = free_port()
    config["pgbouncer"].update(
        listen_addr="127.0.0.1",
        listen_port=str(port),
        auth_file=str(userlist),
        unix_socket_dir="",
        logfile=str(folder / "pgbouncer.log"),
        pidfile=str(folder / "pgbouncer.pid"),
        # Hand consecutive transactions to the server connections in turn, so what breaks
        # when they land on different ones breaks every time, not by chance.
        server_round_robin="1",
    )
    ini = folder / "pgbouncer.ini"
    with ini.open("w") as output:
        config.write(output)
    as_postgres = ["-u", "postgres"] if os.geteuid() == 0 else []
    if as_postgres:
        shutil.chown(folder, "postgres")
        for path in (userlist, ini):
            path.chmod(0o644)
    subprocess.run([str(PGBOUNCER), "-d", *as_postgres, str(ini)], check=True, timeout=30)
    bouncer = Bouncer(site, port, folder / "pgbouncer.log")
    _two_server_connections(bouncer)
    return bouncer


def _two_server_connections(bouncer: Bouncer) -> None:
    """Two transactions at once make PgBouncer open a second server connection."""
    import psycopg

    deadline = time.monotonic() + 30
    while True:
        try:
            first, second = psycopg.connect(bouncer.url()), psycopg.connect(bouncer.url())
            break
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    with first, second:
        pids = {c.execute("SELECT pg_backend_pid()").fetchone() for c in (first, second)}
    assert len(pids) == 2


def _stop(folder: Path) -> None:
    pidfile = folder / "pgbouncer.pid"
    if pidfile.exists():
        os.kill(int(pidfile.read_text().strip()), 15)
        deadline = time.monotonic() + 10
        while pidfile.exists() and time.monotonic() < deadline:
            time.sleep(0.1)


def test_a_request_that_writes_and_audits_works_through_pgbouncer_in_transaction_mode(bouncer):
    site = bouncer.installation
    done = site.lantern(
        "shell",
        "-c",
        REGISTER_THROUGH_THE_FORM,
        DATABASE_URL=bouncer.url(),
        LANTERN_DB_TRANSACTION_POOLING="true",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "302 True True True True"
    verified = site.lantern(
        "audit",
        "verify",
        "--chunk-size",
        "1",
        DATABASE_URL=bouncer.url(),
        LANTERN_DB_TRANSACTION_POOLING="true",
    )
    assert verified.returncode == 0, verified.stderr
    assert "chain intact" in verified.stdout


def test_without_the_setting_a_long_read_through_pgbouncer_loses_its_cursor(bouncer):
    site = bouncer.installation
    # Written and sealed directly: a trail to read back.
    wrote = site.lantern("shell", "-c", WRITE_AND_SEAL)
    assert wrote.returncode == 0, wrote.stderr
    verified = site.lantern("audit", "verify", "--chunk-size", "1", DATABASE_URL=bouncer.url())
    assert verified.returncode != 0
    assert "does not exist" in verified.stderr
