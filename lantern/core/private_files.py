"""Lantern's files on disk are its own: the data folder 0700, the SQLite database 0600.

A database file other local users can read hands them every session key, and with it
signed-in sessions (sealed fields stay sealed, but the rest does not). Lantern creates the
data folder and the SQLite file private, and refuses to start, naming each path and the
``chmod`` that fixes it, when either has been opened up: a folder or file that others could
read may already have been copied, so this is a question for a person, not something to
tighten silently.

Called from the settings, before anything is read or written, in every process (web
server workers and task worker alike). The test suite's in-memory database needs none of it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

DIRECTORY_MODE = 0o700
FILE_MODE = 0o600
# SQLite keeps its write-ahead log and shared index beside the database, with its mode.
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def private_directory(path: Path) -> None:
    """Create ``path`` (and missing parents) readable by this user only; leave it if present."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=DIRECTORY_MODE)
        except FileExistsError:
            continue
        os.chmod(directory, DIRECTORY_MODE)  # mkdir's mode is filtered by the umask


def private_file(path: Path) -> None:
    """Create an empty ``path`` readable and writable by this user only, unless present."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return
    os.fchmod(descriptor, FILE_MODE)
    os.close(descriptor)


def too_open(paths: Iterable[Path]) -> list[tuple[Path, int]]:
    """Existing paths that a group or other users may read, write or enter, with their mode."""
    found = []
    for path in paths:
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except FileNotFoundError:
            continue
        if mode & 0o077:
            found.append((path, mode))
    return found


def prepare(data_dir: Path, sqlite_file: Path | None) -> None:
    """Create the data folder and SQLite file privately, then refuse any path left open."""
    private_directory(data_dir)
    watched: list[Path] = [data_dir, *sorted(data_dir.glob("*.json"))]
    if sqlite_file is not None:
        private_directory(sqlite_file.parent)
        private_file(sqlite_file)
        watched += [sqlite_file, *(Path(f"{sqlite_file}{end}") for end in SQLITE_COMPANIONS)]
    problems = too_open(dict.fromkeys(watched))
    if problems:
        listed = "; ".join(f"{path} is {mode:04o}" for path, mode in problems)
        fixes = " && ".join(
            f"chmod {'700' if path.is_dir() else '600'} {path}" for path, _mode in problems
        )
        raise ImproperlyConfigured(
            f"Lantern's files must be readable by its own user only: {listed}. Another "
            f"local user may already have copied them. Fix with: {fixes}"
        )


def sqlite_path(database: Mapping[str, Any]) -> Path | None:
    """The database file of a SQLite configuration (``None`` for other databases and for
    in-memory SQLite)."""
    if database.get("ENGINE") != "django.db.backends.sqlite3":
        return None
    name = str(database.get("NAME") or "")
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return Path(name).resolve()
