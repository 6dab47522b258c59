"""docs/deploy.md "Point-in-time recovery", run as written against a PostgreSQL server of the
test's own (``initdb`` in a temporary folder, on a free port): archiving turned on, a base
backup, three patients registered around a noted moment, recovery to that moment into a new
data directory, and the restore check of the doc on the recovered server.

The server runs as PostgreSQL's own user when the suite runs as root (as ``initdb`` and the
doc ask), and as the suite's user otherwise.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.db import connection

from tests.deploy.installation import ROLES_SQL, Installation, doc_blocks

PITR, RESTORE = "Point-in-time recovery", "Restoring into a fresh database"
SERVER_TOOLS = ("initdb", "pg_ctl", "postgres", "pg_basebackup", "psql")


def server_tools() -> Path | None:
    """The folder of PostgreSQL's server programs, if this machine has them."""
    found = shutil.which("initdb")
    candidates = [Path(found).resolve().parent] if found else []
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]
    return next((c for c in candidates if all((c / t).exists() for t in SERVER_TOOLS)), None)


def server_user() -> list[str] | None:
    """How to run a command as the user the test server runs as; None if there is none."""
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    try:
        import pwd

        pwd.getpwnam("postgres")
    except KeyError:
        return None
    return [runuser, "-m", "-u", "postgres", "--"] if runuser else None


TOOLS, AS_SERVER = server_tools(), server_user()

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="a PostgreSQL set-up; the suite runs on SQLite"
    ),
    pytest.mark.skipif(
        TOOLS is None or AS_SERVER is None, reason="needs PostgreSQL's server programs"
    ),
    pytest.mark.xdist_group("postgres-deploy"),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    """A PostgreSQL server in a folder of its own, owned by the user it runs as."""

    home: Path
    port: int = field(default_factory=free_port)
    started: list[Path] = field(default_factory=list)  # data directories to stop at the end

    def run(self, *command: str, env: dict[str, str] | None = None) -> str:
        assert TOOLS is not None
        assert AS_SERVER is not None
        done = subprocess.run(
            [*AS_SERVER, str(TOOLS / command[0]), *command[1:]],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            cwd=self.home,
            env=env,
        )
        assert done.returncode == 0, f"{command[0]}: {done.stdout}{done.stderr}"
        return done.stdout

    def start(self, data: Path) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.home}"
        log = str(self.home / f"{data.name}.log")
        self.run("pg_ctl", "-D", str(data), "-l", log, "-o", options, "-w", "-t", "300", "start")

    def stop(self, data: Path) -> None:
        self.run("pg_ctl", "-D", str(data), "-m", "fast", "-w", "-t", "300", "stop")

    def sql(self, statement: str, database: str = "postgres") -> str:
        return self.run(
            "psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database,
            "-Atq", "-v", "ON_ERROR_STOP=1", "-c", statement,
        ).strip()  # fmt: skip


@dataclass
class ServerInstallation(Installation):
    """An installation on the test's own server rather than the suite's."""

    port: int = 0

    def url(self, role: str, *, port: int | None = None, database: str | None = None) -> str:
        password = self.owner_password if role == self.owner else self.app_password
        where = f"127.0.0.1:{port or self.port}/{database or self.database}"
        return f"postgres://{role}:{password}@{where}"

    def environment(self, **extra: str) -> dict[str, str]:
        here = {"PGHOST": "127.0.0.1", "PGPORT": str(self.port), "PGPASSWORD": ""}
        return super().environment(**{**here, "DATABASE_URL": self.url(self.app), **extra})

    def as_server(self, block: str, **env: str) -> subprocess.CompletedProcess[str]:
        """A block of the doc run as the server's own user, as the doc says to."""
        assert AS_SERVER is not None
        return subprocess.run(
            [*AS_SERVER, str(shutil.which("bash")), "-euo", "pipefail", "-c", block],
            env=self.environment(PATH=f"{TOOLS}{os.pathsep}{os.environ['PATH']}", **env),
            cwd=tempfile.gettempdir(),
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )


REGISTER = """
from lantern.accounts.models import Role, User
from tests.factories import ClinicFactory, UserFactory, make_patient
clinician = User.objects.filter(username="clinician").first()
if clinician is None:
    clinic = ClinicFactory(name="Riverside Clinic")
    clinician = UserFactory(username="clinician", role=Role.CLINICIAN, clinics=[clinic])
make_patient(actor=clinician, clinic=clinician.clinics.get(), preferred_name={name!r})
"""

NAMES = "from lantern.patients.models import Patient\nprint(sorted(p.preferred_name for p in Patient.objects.all()))"  # noqa: E501


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    home = Path(tempfile.mkdtemp(prefix="lantern-pitr-"))
    if AS_SERVER:  # root: the server's folders belong to its own user
        shutil.chown(home, "postgres", "postgres")
    found = Server(home)
    try:
        yield found
    finally:
        for data in found.started:
            subprocess.run(
                [*(AS_SERVER or []), str(TOOLS / "pg_ctl"), "-D", str(data), "-m", "immediate",
                 "stop"],
                capture_output=True, check=False, timeout=120,
            )  # fmt: skip
        shutil.rmtree(home, ignore_errors=True)


def test_the_documented_recovery_brings_records_and_trail_back_to_a_moment(server, tmp_path):
    archive_on, base_backup, recover = doc_blocks(PITR)
    _restore, check = doc_blocks(RESTORE)
    wal, base, primary, recovered = (server.home / n for n in ("wal", "base", "primary", "new"))

    server.run("initdb", "-D", str(primary), "-U", "postgres", "--auth=trust", "-E", "UTF8",
               "--no-locale")  # fmt: skip
    server.start(primary)
    server.started.append(primary)

    site = ServerInstallation(
        database="lantern",
        owner="lantern_owner",
        app="lantern_app",
        owner_password="owner-pass-for-this-test",
        app_password="app-pass-for-this-test",
        data_dir=tmp_path,
        port=server.port,
    )
    server.sql("CREATE DATABASE lantern")
    server.run(
        "psql", "-h", "127.0.0.1", "-p", str(server.port), "-U", "postgres", "-d", "lantern",
        "-q", "-v", "ON_ERROR_STOP=1", "-v", f"owner={site.owner}",
        "-v", f"owner_password={site.owner_password}", "-v", f"app={site.app}",
        "-v", f"app_password={site.app_password}", "-f", str(ROLES_SQL),
    )  # fmt: skip
    migrated = site.lantern("migrate", "--no-input", "-v", "0", DATABASE_URL=site.url(site.owner))
    assert migrated.returncode == 0, migrated.stderr

    def register(name: str) -> None:
        done = site.lantern("shell", "-c", REGISTER.format(name=name))
        assert done.returncode == 0, done.stderr
        sealed = site.lantern("audit", "seal")
        assert sealed.returncode == 0, sealed.stderr

    # Archiving on (the doc's block), then the restart it asks for.
    turned_on = site.as_server(archive_on, LANTERN_WAL_ARCHIVE=str(wal))
    assert turned_on.returncode == 0, turned_on.stderr
    server.stop(primary)
    server.start(primary)
    assert server.sql("SHOW archive_mode") == "on"
    assert server.sql("SHOW archive_timeout") == "5min"
    assert (wal.stat().st_mode & 0o777) == 0o700  # the doc's folder, the server's alone

    register("Guadalupe Ríos")
    backed_up = site.as_server(base_backup, LANTERN_BASE_BACKUP=str(base))
    assert backed_up.returncode == 0, backed_up.stderr
    assert (base / "base.tar.gz").exists()

    register("Amara Okafor")
    moment = server.sql("SELECT now()")
    time.sleep(1.5)
    register("Lena Novak")
    # The last writes reach the archive: the current log segment is closed and copied.
    segment = server.sql("SELECT pg_walfile_name(pg_switch_wal())")
    for _ in range(300):
        if server.sql("SELECT last_archived_wal FROM pg_stat_archiver") >= segment:
            break
        time.sleep(0.2)
    server.stop(primary)
    server.started.remove(primary)

    # The loss: the primary's data directory is gone. Recover to the moment.
    shutil.rmtree(primary)
    recovering = site.as_server(
        recover,
        LANTERN_WAL_ARCHIVE=str(wal),
        LANTERN_BASE_BACKUP=str(base),
        LANTERN_PGDATA_NEW=str(recovered),
        LANTERN_RECOVER_TO=moment,
    )
    assert recovering.returncode == 0, recovering.stderr
    server.start(recovered)
    server.started.append(recovered)
    for _ in range(300):
        if server.sql("SELECT pg_is_in_recovery()") == "f":
            break
        time.sleep(0.2)
    assert server.sql("SELECT pg_is_in_recovery()") == "f"  # open for writing again

    names = site.lantern("shell", "-c", NAMES)
    assert names.returncode == 0, names.stderr
    assert names.stdout.strip().splitlines()[-1] == str(["Amara Okafor", "Guadalupe Ríos"])

    copy = str(tmp_path / "audit-checkpoints.log")
    checked = site.shell(check, LANTERN_CHECKPOINTS_COPY=copy)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "Audit chain broken at entry" in checked.stderr
    assert "the trail was cut or emptied" in checked.stderr
