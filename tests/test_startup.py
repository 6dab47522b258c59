"""Lantern refuses to start with missing or malformed secrets, and says exactly why."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from lantern.crypto.keyring import generate_key

ROOT = Path(__file__).resolve().parent.parent


def lantern(
    *args: str, env: dict[str, str], cwd: Path = ROOT, umask: int = 0o022
) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("LANTERN_", "DJANGO_", "DATABASE_URL"))
    }
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-m", "lantern.cli", *args],
        env=clean,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        umask=umask,  # a usual umask: Lantern's files must come out private all the same
    )


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = {
        "LANTERN_MODE": "production",
        "LANTERN_SECRET_KEY": generate_key() + generate_key(),
        "LANTERN_ENCRYPTION_KEYS": f"k1:{generate_key()}",
        "LANTERN_INDEX_KEY": generate_key(),
        "LANTERN_AUDIT_KEY": generate_key(),
        "LANTERN_ALLOWED_HOSTS": "lantern.clinic.example",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "LANTERN_DATA_DIR": str(tmp_path / "var"),
    }
    env.update(overrides)
    return env


def test_production_mode_is_the_default_and_refuses_to_start_without_secrets(tmp_path):
    result = lantern("check", env={"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"})
    assert result.returncode == 2
    assert "production mode" in result.stderr
    for name in (
        "LANTERN_SECRET_KEY",
        "LANTERN_ENCRYPTION_KEYS",
        "LANTERN_INDEX_KEY",
        "LANTERN_AUDIT_KEY",
    ):
        assert name in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("LANTERN_ENCRYPTION_KEYS", "k1:c2hvcnQta2V5", "must decode to 32 bytes"),
        ("LANTERN_ENCRYPTION_KEYS", "no-separator", "must look like"),
        ("LANTERN_INDEX_KEY", "***", "not valid base64url"),
        ("LANTERN_AUDIT_KEY", "c2hvcnQta2V5", "LANTERN_AUDIT_KEY must decode to 32 bytes"),
        ("LANTERN_SECRET_KEY", "too-short", "at least 50 characters"),
        ("LANTERN_ALLOWED_HOSTS", "", "LANTERN_ALLOWED_HOSTS must name"),
        ("LANTERN_DEBUG", "true", "cannot be on in production"),
        ("LANTERN_MODE", "staging", "LANTERN_MODE must be one of"),
    ],
)
def test_malformed_settings_stop_start_up_with_a_precise_message(
    tmp_path, variable, value, message
):
    result = lantern("check", env=production_env(tmp_path, **{variable: value}))
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    if value and variable != "LANTERN_MODE":  # the value may be secret: never echo it
        assert value.split(":", 1)[-1] not in result.stderr


def test_production_mode_with_complete_settings_passes_the_deployment_checks(tmp_path):
    result = lantern("check", "--deploy", "--fail-level", "WARNING", env=production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_demo_mode_creates_its_own_secrets_once_in_the_data_folder(tmp_path):
    env = {"LANTERN_MODE": "demo", "LANTERN_DATA_DIR": str(tmp_path / "var")}
    first = lantern("check", env=env)
    assert first.returncode == 0, first.stderr
    key_file = tmp_path / "var" / "demo-keys.json"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    material = json.loads(key_file.read_text())
    assert lantern("check", env=env).returncode == 0
    assert json.loads(key_file.read_text()) == material


def test_lantern_runs_any_django_command_and_honours_database_url(tmp_path):
    env = production_env(tmp_path)
    assert lantern("migrate", "--no-input", env=env).returncode == 0
    assert (tmp_path / "db.sqlite3").exists()
    shown = lantern("showmigrations", "patients", env=env)
    assert "[X] 0001_initial" in shown.stdout


def test_keys_generate_works_in_production_mode_before_any_key_exists(tmp_path):
    """The README's production steps: generate the keys first, then everything else runs."""
    bare = {"LANTERN_MODE": "production", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    generated = lantern("keys", "generate", env=bare)
    assert generated.returncode == 0, generated.stderr
    keys = dict(
        line.split("=", 1)
        for line in generated.stdout.splitlines()
        if line and not line.startswith("#")
    )
    assert set(keys) == {"LANTERN_ENCRYPTION_KEYS", "LANTERN_INDEX_KEY", "LANTERN_AUDIT_KEY"}
    assert keys["LANTERN_ENCRYPTION_KEYS"].startswith("k1:")
    env = production_env(tmp_path, **keys)
    checked = lantern("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # Every other command still refuses to run without the keys.
    assert lantern("keys", "status", env=bare).returncode == 2


def test_keys_generate_refuses_a_malformed_key_id(tmp_path):
    result = lantern("keys", "generate", "--id", "no spaces!", env={"LANTERN_MODE": "production"})
    assert result.returncode == 2
    assert "key id" in result.stderr
    assert "LANTERN_ENCRYPTION_KEYS" not in result.stdout


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_data_folder_and_the_sqlite_database_are_created_private(tmp_path):
    env = {"LANTERN_MODE": "demo", "LANTERN_DATA_DIR": str(tmp_path / "var")}
    result = lantern("migrate", "--no-input", env=env)
    assert result.returncode == 0, result.stderr
    data = tmp_path / "var"
    assert mode(data) == 0o700
    database = data / "lantern.sqlite3"
    assert mode(database) == 0o600
    # While the database is open, SQLite's companion files take the database file's mode.
    previous = os.umask(0o022)
    try:
        open_database = sqlite3.connect(database)
        open_database.execute("PRAGMA journal_mode=WAL")
        open_database.execute("CREATE TABLE probe (x)")
        for end in ("-wal", "-shm"):
            assert mode(data / f"lantern.sqlite3{end}") == 0o600, end
        open_database.close()
    finally:
        os.umask(previous)
    # A database elsewhere (DATABASE_URL) is created private too.
    elsewhere = tmp_path / "db" / "lantern.sqlite3"
    production = production_env(tmp_path, DATABASE_URL=f"sqlite:///{elsewhere}")
    assert lantern("check", env=production).returncode == 0
    assert mode(elsewhere) == 0o600
    assert mode(elsewhere.parent) == 0o700


@pytest.mark.parametrize(
    ("opened", "chmod"),
    [("database", 0o644), ("data folder", 0o755), ("demo keys", 0o640)],
)
def test_lantern_refuses_to_start_when_its_files_are_readable_by_others(tmp_path, opened, chmod):
    env = {"LANTERN_MODE": "demo", "LANTERN_DATA_DIR": str(tmp_path / "var")}
    assert lantern("migrate", "--no-input", env=env).returncode == 0
    data = tmp_path / "var"
    path = {
        "database": data / "lantern.sqlite3",
        "data folder": data,
        "demo keys": data / "demo-keys.json",
    }[opened]
    path.chmod(chmod)
    for command in (("check",), ("serve", "--port", "1")):
        refused = lantern(*command, env=env)
        assert refused.returncode == 2, refused.stdout + refused.stderr
        assert f"{path} is {chmod:04o}" in refused.stderr
        assert f"chmod {'700' if path.is_dir() else '600'} {path}" in refused.stderr
        assert "Traceback" not in refused.stderr
    path.chmod(0o700 if path.is_dir() else 0o600)
    assert lantern("check", env=env).returncode == 0
