"""Screening instruments as versioned data, scored by pure functions.

Each instrument is one JSON file in ``data/`` (source, licence, languages, items, answer
scores, display conditions, bands, thresholds, flags). ``all_instruments()`` loads and
checks them once; ``score()`` turns answers into a ``ScoreResult``; ``to_questionnaire()``
exports a FHIR R4 Questionnaire. Nothing here touches the database or Django settings.
"""

from lantern.screening.instruments.errors import AnswerError, InstrumentFileError, ThresholdError
from lantern.screening.instruments.fhir import (
    DEFAULT_FHIR_BASE,
    questionnaire_id,
    to_questionnaire,
)
from lantern.screening.instruments.model import (
    AnswerOption,
    Band,
    EnableWhen,
    FlagCondition,
    FlagRule,
    Instrument,
    Item,
    Source,
    Threshold,
    text_in,
)
from lantern.screening.instruments.registry import (
    DATA_DIR,
    all_instruments,
    get_instrument,
    load_instrument_file,
)
from lantern.screening.instruments.results import Flag, ScoreResult
from lantern.screening.instruments.scoring import read_answer, score, visible_items

__all__ = [
    "DATA_DIR",
    "DEFAULT_FHIR_BASE",
    "AnswerError",
    "AnswerOption",
    "Band",
    "EnableWhen",
    "Flag",
    "FlagCondition",
    "FlagRule",
    "Instrument",
    "InstrumentFileError",
    "Item",
    "ScoreResult",
    "Source",
    "Threshold",
    "ThresholdError",
    "all_instruments",
    "get_instrument",
    "load_instrument_file",
    "questionnaire_id",
    "read_answer",
    "score",
    "text_in",
    "to_questionnaire",
    "visible_items",
]
