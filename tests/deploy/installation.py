"""A throw-away PostgreSQL installation set up as docs/deploy.md says, and the doc's own
shell blocks to run against it.

Each installation is a database and two roles of its own on the suite's PostgreSQL server
(names with a random suffix), made with ``docs/postgres-roles.sql`` and migrated as the
owner; Lantern runs in production mode with keys generated for it.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY_DOC = ROOT / "docs" / "deploy.md"
ROLES_SQL = ROOT / "docs" / "postgres-roles.sql"


def server() -> dict[str, Any]:
    return dict(settings.DATABASES["default"])


def superuser(database: str = "postgres"):  # type: ignore[no-untyped-def]
    import psycopg

    found = server()
    return psycopg.connect(
        host=found["HOST"],
        port=found["PORT"],
        user=found["USER"],
        password=found["PASSWORD"] or None,
        dbname=database,
        autocommit=True,
    )


def doc_blocks(heading: str, path: Path = DEPLOY_DOC) -> list[str]:
    """The ``sh`` blocks under a heading of the doc, up to the next heading, as written."""
    text = path.read_text()
    start = re.search(rf"^#+ {re.escape(heading)}\n", text, re.MULTILINE)
    assert start, f"no heading {heading!r} in {path.name}"
    rest = text[start.end() :]
    end = re.search(r"^#+ ", rest, re.MULTILINE)
    section = rest[: end.start()] if end else rest
    blocks = re.findall(r"^```sh\n(.*?)^```", section, re.MULTILINE | re.DOTALL)
    assert blocks, f"no sh block under {heading!r}"
    return blocks


def keys() -> dict[str, str]:
    """Fresh key material, the way ``lantern keys generate`` prints it."""
    done = subprocess.run(
        [sys.executable, "-m", "lantern.cli", "keys", "generate"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    pairs = (line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
    return {name: value for name, value in pairs if not name.startswith("#")}


@dataclass
class Installation:
    database: str
    owner: str
    app: str
    owner_password: str
    app_password: str
    data_dir: Path
    keys: dict[str, str] = field(default_factory=keys)

    def url(self, role: str, *, port: int | None = None, database: str | None = None) -> str:
        found = server()
        password = self.owner_password if role == self.owner else self.app_password
        return (
            f"postgres://{role}:{password}@{found['HOST']}:{port or found['PORT']}/"
            f"{database or self.database}"
        )

    def environment(self, **extra: str) -> dict[str, str]:
        """Production settings as an operator's machine has them: keys, hosts, the server in
        libpq's PGHOST/PGPORT, the superuser's password in PGPASSWORD, the doc's names."""
        found = server()
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("LANTERN_", "DJANGO_", "DATABASE_URL", "PG"))
        }
        env.update(self.keys)
        env.update(
            PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
            LANTERN_MODE="production",
            LANTERN_SECRET_KEY=secrets.token_urlsafe(60),
            LANTERN_ALLOWED_HOSTS="lantern.example.org,testserver",
            LANTERN_DATA_DIR=str(self.data_dir),
            LANTERN_DB_APP_ROLE=self.app,
            DATABASE_URL=self.url(self.app),
            PGHOST=str(found["HOST"]),
            PGPORT=str(found["PORT"]),
            PGPASSWORD=str(found["PASSWORD"] or ""),
            LANTERN_DB=self.database,
            LANTERN_DB_OWNER=self.owner,
            LANTERN_DB_APP=self.app,
            LANTERN_DB_OWNER_PASSWORD=self.owner_password,
            LANTERN_DB_APP_PASSWORD=self.app_password,
        )
        env.update(extra)
        return env

    def lantern(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "lantern.cli", *args],
            env=self.environment(**env),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )

    def shell(self, block: str, **env: str) -> subprocess.CompletedProcess[str]:
        """Run a block of the doc with bash, from the repository (as the README's is run)."""
        return subprocess.run(
            [str(shutil.which("bash")), "-euo", "pipefail", "-c", block],
            env=self.environment(**env),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )


def roles_script(installation: Installation, database: str) -> None:
    found = server()
    subprocess.run(
        [
            str(shutil.which("psql")),
            *("-h", str(found["HOST"]), "-p", str(found["PORT"]), "-U", str(found["USER"])),
            *("-d", database, "-q", "-v", "ON_ERROR_STOP=1"),
            *("-v", f"owner={installation.owner}"),
            *("-v", f"owner_password={installation.owner_password}"),
            *("-v", f"app={installation.app}", "-v", f"app_password={installation.app_password}"),
            *("-f", str(ROLES_SQL)),
        ],
        env={**os.environ, "PGPASSWORD": str(found["PASSWORD"] or "")},
        check=True,
        timeout=60,
    )


@contextmanager
def installed(data_dir: Path, *also: str) -> Iterator[Installation]:
    """A migrated installation; ``also`` names further databases to drop at the end."""
    suffix = secrets.token_hex(4)
    found = Installation(
        database=f"lantern_deploy_{suffix}",
        owner=f"lantern_deploy_owner_{suffix}",
        app=f"lantern_deploy_app_{suffix}",
        owner_password=secrets.token_urlsafe(18),
        app_password=secrets.token_urlsafe(18),
        data_dir=data_dir,
    )
    with superuser() as admin:
        admin.execute(f"CREATE DATABASE {found.database}")
    try:
        roles_script(found, found.database)
        migrated = found.lantern(
            "migrate", "--no-input", "-v", "0", DATABASE_URL=found.url(found.owner)
        )
        assert migrated.returncode == 0, migrated.stderr
        yield found
    finally:
        with superuser() as admin:
            for database in (found.database, *(f"{found.database}_{name}" for name in also)):
                admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
            admin.execute(f"DROP ROLE IF EXISTS {found.app}")
            admin.execute(f"DROP ROLE IF EXISTS {found.owner}")
