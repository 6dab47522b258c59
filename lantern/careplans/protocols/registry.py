"""The shipped protocols (one JSON file each in ``data/``) and loading any protocol."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from lantern.careplans.protocols import validation
from lantern.careplans.protocols.errors import ProtocolFileError
from lantern.careplans.protocols.model import Protocol
from lantern.careplans.protocols.reading import parse_protocol

DATA_DIR = Path(__file__).resolve().parent / "data"


def load_protocol(data: object, *, name: str = "protocol") -> Protocol:
    """Read and check protocol data (e.g. a clinic's stored copy); ProtocolFileError if refused.

    ``name`` is how a refusal names the protocol (a file name, or a clinic copy's label).
    """
    protocol, found = parse_protocol(data)
    if protocol is not None:
        found = validation.problems(protocol)
    if found or protocol is None:
        raise ProtocolFileError(name, found)
    return protocol


def load_protocol_file(path: Path) -> Protocol:
    """Read and check one protocol file; ProtocolFileError naming the file if refused."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ProtocolFileError(
            path.name, [("file", f"cannot read it: {error.strerror}")]
        ) from error
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ProtocolFileError(path.name, [("file", f"not valid UTF-8 JSON: {error}")]) from error
    return load_protocol(data, name=path.name)


@cache
def _shipped() -> tuple[Protocol, ...]:
    protocols = []
    for path in sorted(DATA_DIR.glob("*.json")):
        protocol = load_protocol_file(path)
        if protocol.id != path.stem:
            raise ProtocolFileError(
                path.name, [("protocol", f"id '{protocol.id}' must match the file name")]
            )
        protocols.append(protocol)
    return tuple(protocols)


def all_protocols() -> dict[str, Protocol]:
    """Every shipped protocol by id, in file-name order (loaded and checked once)."""
    return {protocol.id: protocol for protocol in _shipped()}


def get_protocol(protocol_id: str) -> Protocol:
    """The shipped protocol with this id; KeyError naming the known ids otherwise."""
    for protocol in _shipped():
        if protocol.id == protocol_id:
            return protocol
    known = ", ".join(protocol.id for protocol in _shipped())
    raise KeyError(f"unknown protocol '{protocol_id}' (known: {known})")
