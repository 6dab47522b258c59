"""The PostgreSQL set-up of docs/deploy.md: Lantern connects as a role that is no superuser,
owns nothing, and so cannot switch off, drop or replace the audit trail's triggers.

Builds a database of its own on the suite's PostgreSQL server with ``docs/postgres-roles.sql``,
migrates it as the owner role, runs Lantern as the application role, then tries, as that
role, everything that would let it rewrite the trail unseen.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="a PostgreSQL set-up; the suite runs on SQLite"
    ),
    pytest.mark.skipif(shutil.which("psql") is None, reason="needs the psql client"),
    pytest.mark.xdist_group("postgres-roles"),
]


@dataclass
class Installation:
    database: str
    owner: str
    app: str
    password: str
    data_dir: Path

    def url(self, role: str) -> str:
        server = settings.DATABASES["default"]
        return (
            f"postgres://{role}:{self.password}@{server['HOST']}:{server['PORT']}/{self.database}"
        )

    def lantern(self, role: str, *args: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LANTERN_", "DATABASE"))}
        env.update(
            LANTERN_MODE="demo",
            LANTERN_DATA_DIR=str(self.data_dir),
            DATABASE_URL=self.url(role),
            LANTERN_DB_APP_ROLE=self.app,
        )
        return subprocess.run(
            [sys.executable, "-m", "lantern.cli", *args],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )


def superuser(database: str = "postgres"):  # type: ignore[no-untyped-def]
    import psycopg

    server = settings.DATABASES["default"]
    return psycopg.connect(
        host=server["HOST"],
        port=server["PORT"],
        user=server["USER"],
        password=server["PASSWORD"] or None,
        dbname=database,
        autocommit=True,
    )


@pytest.fixture(scope="module")
def installation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installation]:
    suffix = secrets.token_hex(4)
    found = Installation(
        database=f"lantern_roles_{suffix}",
        owner=f"lantern_owner_{suffix}",
        app=f"lantern_app_{suffix}",
        password=secrets.token_urlsafe(18),
        data_dir=tmp_path_factory.mktemp("var"),
    )
    server = settings.DATABASES["default"]
    with superuser() as admin:
        admin.execute(f"CREATE DATABASE {found.database}")
    try:
        subprocess.run(
            [
                str(shutil.which("psql")),
                *("-h", str(server["HOST"]), "-p", str(server["PORT"]), "-U", str(server["USER"])),
                *("-d", found.database, "-q", "-v", "ON_ERROR_STOP=1"),
                *("-v", f"owner={found.owner}", "-v", f"owner_password={found.password}"),
                *("-v", f"app={found.app}", "-v", f"app_password={found.password}"),
                *("-f", str(ROOT / "docs" / "postgres-roles.sql")),
            ],
            env={**os.environ, "PGPASSWORD": str(server["PASSWORD"] or "")},
            check=True,
            timeout=60,
        )
        migrated = found.lantern(found.owner, "migrate", "--no-input", "-v", "0")
        assert migrated.returncode == 0, migrated.stderr
        yield found
    finally:
        with superuser() as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {found.database} WITH (FORCE)")
            admin.execute(f"DROP ROLE IF EXISTS {found.app}")
            admin.execute(f"DROP ROLE IF EXISTS {found.owner}")


def as_app(installation: Installation, statement: str) -> str:
    """Run one statement as the application role; the error class name, or "allowed"."""
    import psycopg

    server = settings.DATABASES["default"]
    with psycopg.connect(
        host=server["HOST"],
        port=server["PORT"],
        user=installation.app,
        password=installation.password,
        dbname=installation.database,
        autocommit=True,
    ) as app:
        try:
            app.execute(statement)
        except psycopg.Error as error:
            return type(error).__name__
    return "allowed"


WRITE_SEAL_VERIFY = (
    "from lantern.audit.services import audit_record; from lantern.audit.models import Action; "
    "from lantern.audit.sealing import audit_seal; from lantern.audit.verification import "
    "audit_verify; [audit_record(action=Action.READ, detail=str(n)) for n in range(5)]; "
    "audit_seal(); print('intact', audit_verify().intact, audit_verify().verdict.entries)"
)


def test_lantern_runs_as_the_application_role(installation):
    done = installation.lantern(installation.app, "shell", "-c", WRITE_SEAL_VERIFY)
    assert done.returncode == 0, done.stderr
    assert "intact True 5" in done.stdout


def test_the_application_role_is_no_superuser_and_owns_nothing(installation):
    with superuser(installation.database) as admin:
        row = admin.execute(
            "SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls FROM pg_roles "
            "WHERE rolname = %s",
            [installation.app],
        ).fetchone()
        owned = admin.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
            "WHERE r.rolname = %s",
            [installation.app],
        ).fetchone()
    assert row == (False, False, False, False)
    assert owned == (0,)


@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE audit_auditevent DISABLE TRIGGER ALL",
        "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_sealed_only",
        "DROP TRIGGER audit_event_sealed_only ON audit_auditevent",
        "CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql "
        "AS $$ BEGIN RETURN NEW; END $$",
        "SET session_replication_role = replica",
        "ALTER TABLE audit_auditchainhead DISABLE TRIGGER audit_head_forward_only",
        "TRUNCATE audit_auditevent",
        "DELETE FROM audit_auditevent",
        "DELETE FROM audit_auditcheckpoint",
        "UPDATE audit_auditevent SET detail = 'nothing to see'",
        "UPDATE audit_auditcheckpoint SET head_hash = 'x'",
        "UPDATE audit_auditchainhead SET sequence = 0",
        "ALTER ROLE CURRENT_USER SUPERUSER",
        "DROP TABLE audit_auditevent",
    ],
)
def test_the_application_role_cannot_get_round_the_audit_trail(installation, statement):
    assert as_app(installation, statement) in {"InsufficientPrivilege", "RestrictViolation"}


def test_the_application_role_can_do_its_ordinary_work(installation):
    assert as_app(installation, "SELECT count(*) FROM audit_auditevent") == "allowed"
    assert as_app(installation, "DELETE FROM django_session WHERE false") == "allowed"
