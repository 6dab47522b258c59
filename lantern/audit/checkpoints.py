"""Checkpoints: the audit chain's head at the end of each sealed batch, anchored outside the
database.

A checkpoint is ``(last sequence, head hash, time)`` with an HMAC-SHA-256 over them, keyed
with ``LANTERN_AUDIT_KEY``. The database stores a copy but never the key, so someone who can
write to the database can neither make a checkpoint for a rewritten chain nor change one.
The sealer appends each checkpoint as one JSON line to an append-only file (mode 0600) in
the data directory, and optionally to syslog; ``lantern audit verify --checkpoints FILE``
checks the chain against that file.

This module is plain Python: no ORM, no settings.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path

from lantern.audit.chain import canonical_time

KEY_BYTES = 32
LINE_VERSION = 1
# The last line of a file is found by reading this much from its end.
TAIL_BYTES = 4096


class CheckpointFileError(Exception):
    """The checkpoint file cannot be trusted as it stands; the message says exactly why."""


def decode_key(material: str) -> bytes:
    """``LANTERN_AUDIT_KEY``: 256 bits, base64url (``lantern keys generate`` prints one)."""
    text = material.strip()
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise ValueError("LANTERN_AUDIT_KEY is not valid base64url key material.") from None
    if len(raw) != KEY_BYTES:
        raise ValueError(
            f"LANTERN_AUDIT_KEY must decode to {KEY_BYTES} bytes (256 bits), not {len(raw)}."
        )
    return raw


def key_id(key: bytes) -> str:
    """A public name for the key, so a checkpoint made with another key can be told apart
    from one that was altered."""
    return hmac.new(key, b"lantern audit checkpoint key id", hashlib.sha256).hexdigest()[:16]


@dataclass(frozen=True)
class Checkpoint:
    sequence: int
    head_hash: str
    at: datetime.datetime
    key_id: str
    mac: str

    def authentic(self, key: bytes) -> bool:
        expected = _mac(key, self.sequence, self.head_hash, self.at)
        return self.key_id == key_id(key) and hmac.compare_digest(expected, self.mac)

    def line(self) -> str:
        """The checkpoint as one line of the file (with its newline)."""
        document = {
            "v": LINE_VERSION,
            "sequence": self.sequence,
            "head": self.head_hash,
            "at": canonical_time(self.at),
            "key": self.key_id,
            "mac": self.mac,
        }
        return json.dumps(document, sort_keys=True, separators=(",", ":")) + "\n"


def make(key: bytes, *, sequence: int, head_hash: str, at: datetime.datetime) -> Checkpoint:
    return Checkpoint(sequence, head_hash, at, key_id(key), _mac(key, sequence, head_hash, at))


def _mac(key: bytes, sequence: int, head_hash: str, at: datetime.datetime) -> str:
    message = f"lantern-audit-checkpoint|{LINE_VERSION}|{sequence}|{head_hash}|{canonical_time(at)}"
    return hmac.new(key, message.encode("ascii"), hashlib.sha256).hexdigest()


# --- The file ------------------------------------------------------------------------------


def append(path: Path, checkpoints: list[Checkpoint]) -> None:
    """Append whole lines and flush them to disk before returning."""
    if not checkpoints:
        return
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, "".join(c.line() for c in checkpoints).encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)


def parse_line(text: str, *, where: str) -> Checkpoint:
    try:
        document = json.loads(text)
        if document["v"] != LINE_VERSION:
            raise CheckpointFileError(f"{where} has format version {document['v']!r}, not 1")
        return Checkpoint(
            sequence=int(document["sequence"]),
            head_hash=str(document["head"]),
            at=datetime.datetime.fromisoformat(str(document["at"])),
            key_id=str(document["key"]),
            mac=str(document["mac"]),
        )
    except (ValueError, KeyError, TypeError):
        raise CheckpointFileError(f"{where} is not a checkpoint") from None


def read_file(path: Path, key: bytes) -> list[Checkpoint]:
    """Every checkpoint in the file, checked line by line; the first problem is raised."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CheckpointFileError(f"checkpoint file {path} does not exist") from None
    except OSError as error:
        raise CheckpointFileError(f"checkpoint file {path} cannot be read: {error}") from None
    if not data:
        raise CheckpointFileError(f"checkpoint file {path} is empty")
    lines = data.decode("ascii", errors="replace").split("\n")
    if lines[-1] != "":
        raise CheckpointFileError(
            f"checkpoint file {path} is truncated: line {len(lines)} is incomplete"
        )
    found: list[Checkpoint] = []
    for number, text in enumerate(lines[:-1], start=1):
        where = f"checkpoint file {path} line {number}"
        checkpoint = parse_line(text, where=where)
        _check_one(checkpoint, key, where)
        if found and (checkpoint.sequence, checkpoint.at) <= (found[-1].sequence, found[-1].at):
            raise CheckpointFileError(
                f"{where} is out of order (it does not follow line {number - 1})"
            )
        found.append(checkpoint)
    return found


def _check_one(checkpoint: Checkpoint, key: bytes, where: str) -> None:
    if checkpoint.key_id != key_id(key):
        raise CheckpointFileError(
            f"{where} was signed with another key (key id {checkpoint.key_id}; "
            f"this LANTERN_AUDIT_KEY is {key_id(key)})"
        )
    if not checkpoint.authentic(key):
        raise CheckpointFileError(f"{where} was altered: its authentication code does not match")


def last_in_file(path: Path) -> Checkpoint | None:
    """The newest checkpoint in the file (read from its end), or ``None`` if there is none."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - TAIL_BYTES))
            tail = handle.read().decode("ascii", errors="replace")
    except FileNotFoundError:
        return None
    complete = [line for line in tail.split("\n")[:-1] if line.startswith("{")]
    if not complete:
        return None
    return parse_line(complete[-1], where=f"checkpoint file {path} (last line)")
