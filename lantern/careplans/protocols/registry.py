"""The shipped protocols (one JSON file each in ``data/``) and loading any protocol."""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from lantern.careplans.protocols import validation
from lantern.careplans.protocols.errors import JsonTextError, ProtocolFileError
from lantern.careplans.protocols.model import Protocol
from lantern.careplans.protocols.reading import parse_protocol
from lantern.careplans.protocols.validation import LIMITS

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


def read_json(text: str | bytes) -> object:
    """JSON data from a protocol file or a set of facts, within ``LIMITS``; JsonTextError
    saying what is wrong otherwise (too large, nested too deeply, not UTF-8 JSON)."""
    size = len(text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text)
    if size > LIMITS.file_bytes:
        raise JsonTextError(f"larger than {LIMITS.file_bytes} bytes")
    try:
        data = json.loads(text.decode("utf-8") if isinstance(text, bytes) else text)
    except RecursionError:
        raise JsonTextError(_too_deep()) from None
    except (UnicodeDecodeError, ValueError) as error:  # ValueError: e.g. a 5000-digit number
        raise JsonTextError(f"not valid UTF-8 JSON: {error}") from None
    if _deeper_than(data, LIMITS.json_depth):
        raise JsonTextError(_too_deep())
    return data


def _too_deep() -> str:
    return f"objects and lists nested more than {LIMITS.json_depth} deep"


def _deeper_than(data: object, limit: int) -> bool:
    """Whether lists and objects nest more than ``limit`` deep (walked without recursion)."""
    waiting: list[tuple[object, int]] = [(data, 1)]
    while waiting:
        value, depth = waiting.pop()
        if isinstance(value, dict):
            inside: Iterable[object] = value.values()
        elif isinstance(value, list):
            inside = value
        else:
            continue
        if depth > limit:
            return True
        waiting.extend((child, depth + 1) for child in inside)
    return False


def read_limited(path: Path) -> bytes:
    """A file's bytes, reading no more than one byte past ``LIMITS.file_bytes``."""
    with path.open("rb") as file:
        return file.read(LIMITS.file_bytes + 1)


def load_protocol_file(path: Path) -> Protocol:
    """Read and check one protocol file; ProtocolFileError naming the file if refused."""
    try:
        data = read_json(read_limited(path))
    except OSError as error:
        raise ProtocolFileError(
            path.name, [("file", f"cannot read it: {error.strerror}")]
        ) from error
    except JsonTextError as error:
        raise ProtocolFileError(path.name, [("file", error.reason)]) from error
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
