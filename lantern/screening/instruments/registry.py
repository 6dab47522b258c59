"""The shipped instruments: one JSON file each in ``data/``, loaded and checked once."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from lantern.screening.instruments import validation
from lantern.screening.instruments.errors import InstrumentFileError
from lantern.screening.instruments.model import Instrument
from lantern.screening.instruments.reading import Malformed, parse_instrument

DATA_DIR = Path(__file__).resolve().parent / "data"


def load_instrument_file(path: Path) -> Instrument:
    """Read and check one instrument file; InstrumentFileError(path, where, reason) if refused."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InstrumentFileError(path, "file", f"cannot read it: {error.strerror}") from error
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InstrumentFileError(path, "file", f"not valid UTF-8 JSON: {error}") from error
    try:
        instrument = parse_instrument(data)
    except Malformed as error:
        raise InstrumentFileError(path, error.where, error.reason) from error
    found = validation.problems(instrument)
    if found:
        raise InstrumentFileError(path, *found[0], problems=found)
    return instrument


@cache
def _shipped() -> tuple[Instrument, ...]:
    instruments = []
    for path in sorted(DATA_DIR.glob("*.json")):
        instrument = load_instrument_file(path)
        if instrument.id != path.stem:
            raise InstrumentFileError(
                path, "instrument", f"id '{instrument.id}' must match the file name"
            )
        instruments.append(instrument)
    return tuple(instruments)


def all_instruments() -> dict[str, Instrument]:
    """Every shipped instrument by id, in file-name order (loaded and checked once)."""
    return {instrument.id: instrument for instrument in _shipped()}


def get_instrument(instrument_id: str) -> Instrument:
    """The shipped instrument with this id; KeyError naming the known ids otherwise."""
    for instrument in _shipped():
        if instrument.id == instrument_id:
            return instrument
    known = ", ".join(instrument.id for instrument in _shipped())
    raise KeyError(f"unknown instrument '{instrument_id}' (known: {known})")
