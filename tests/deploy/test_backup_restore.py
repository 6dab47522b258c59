"""docs/deploy.md "Backups and restoring", run as written: pg_dump a live installation, restore
it into a fresh database with the two roles, check it with the keys and the checkpoint file,
and find the patient by name again."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from tests.deploy.installation import Installation, doc_blocks, installed

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="a PostgreSQL set-up; the suite runs on SQLite"
    ),
    pytest.mark.skipif(
        not all(shutil.which(tool) for tool in ("psql", "pg_dump", "pg_restore", "createdb")),
        reason="needs the PostgreSQL client tools",
    ),
    pytest.mark.xdist_group("postgres-deploy"),
]

REGISTER = """
from lantern.accounts.models import Role
from tests.factories import ClinicFactory, UserFactory, make_patient
clinic = ClinicFactory(name="Riverside Clinic")
clinician = UserFactory(username="clinician", role=Role.CLINICIAN, clinics=[clinic])
make_patient(actor=clinician, clinic=clinic, preferred_name="Guadalupe Ríos")
"""

WRITE_MORE = """
from lantern.audit.models import Action
from lantern.audit.services import audit_record
for n in range(3):
    audit_record(action=Action.READ, detail=f"after the dump {n}")
"""

# What a clinician would do on the restored installation: search, and see the name.
SEARCH = """
from django.urls import reverse
from lantern.accounts.models import User
from tests.clients import signed_in
client = signed_in(User.objects.get(username="clinician"))
page = client.post(reverse("patients:search"), {"q": "Guadalupe Rios"}, secure=True)
print(page.status_code, "Guadalupe Ríos" in page.content.decode())
"""

BACKUP, RESTORE = "Backing up with pg_dump", "Restoring into a fresh database"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installation]:
    with installed(tmp_path_factory.mktemp("var"), "restored") as found:
        # Production mode serves collected static files, as a real installation does.
        collected = found.lantern("collectstatic", "--no-input", "-v", "0")
        assert collected.returncode == 0, collected.stderr
        registered = found.lantern("shell", "-c", REGISTER)
        assert registered.returncode == 0, registered.stderr
        sealed = found.lantern("audit", "seal")
        assert sealed.returncode == 0, sealed.stderr
        yield found


def restore_blocks() -> tuple[str, str]:
    restore, check = doc_blocks(RESTORE)
    return restore, check


def fresh_database(site: Installation) -> str:
    """The database the doc restores into: new for each restore."""
    name = f"{site.database}_restored"
    dropped = site.shell(f"dropdb -U postgres --if-exists --force {name}")
    assert dropped.returncode == 0, dropped.stderr
    return name


def test_the_documented_backup_restores_into_a_fresh_database_that_verifies(site, tmp_path):
    backup = str(tmp_path / "lantern.dump")
    [dump] = doc_blocks(BACKUP)
    dumped = site.shell(dump, LANTERN_BACKUP=backup)
    assert dumped.returncode == 0, dumped.stderr
    assert Path(backup).stat().st_size > 0

    restore, check = restore_blocks()
    fresh = fresh_database(site)
    restored = site.shell(restore, LANTERN_DB=fresh, LANTERN_BACKUP=backup)
    assert restored.returncode == 0, restored.stderr

    copy = str(site.data_dir / "audit-checkpoints.log")
    checked = site.shell(check, LANTERN_DB=fresh, LANTERN_CHECKPOINTS_COPY=copy)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "chain intact" in checked.stdout
    assert "Agrees with 1 checkpoint(s) in" in checked.stdout

    found = site.lantern("shell", "-c", SEARCH, DATABASE_URL=site.url(site.app, database=fresh))
    assert found.returncode == 0, found.stderr
    assert found.stdout.splitlines()[-1] == "200 True"


def test_an_older_dump_shows_the_lost_tail_and_a_new_checkpoint_file_carries_on(site, tmp_path):
    backup = str(tmp_path / "older.dump")
    [dump] = doc_blocks(BACKUP)
    assert site.shell(dump, LANTERN_BACKUP=backup).returncode == 0
    # After the dump the trail goes on, and the checkpoint file with it.
    assert site.lantern("shell", "-c", WRITE_MORE).returncode == 0
    assert site.lantern("audit", "seal").returncode == 0

    restore, check = restore_blocks()
    fresh = fresh_database(site)
    with_fresh = {"LANTERN_DB": fresh}
    assert site.shell(restore, LANTERN_BACKUP=backup, **with_fresh).returncode == 0

    copy = str(site.data_dir / "audit-checkpoints.log")
    checked = site.shell(check, LANTERN_CHECKPOINTS_COPY=copy, **with_fresh)
    assert checked.returncode == 1
    assert "Audit chain broken at entry" in checked.stderr
    assert "the trail was cut or emptied" in checked.stderr

    # A new checkpoint file for the restored installation: the sealer fills it, and the
    # restored trail verifies against it.
    new_file = str(tmp_path / "restored-checkpoints.log")
    restored_db = {"DATABASE_URL": site.url(site.app, database=fresh)}
    sealed = site.lantern("audit", "seal", LANTERN_AUDIT_CHECKPOINT_FILE=new_file, **restored_db)
    assert sealed.returncode == 0, sealed.stderr
    again = site.shell(check, LANTERN_CHECKPOINTS_COPY=new_file, **with_fresh)
    assert again.returncode == 0, again.stderr
    assert "chain intact" in again.stdout
