"""Refusals: answers that cannot be scored, and instrument files that cannot be used."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


class AnswerError(ValueError):
    """Answers that cannot be scored; ``problems`` lists every (linkId, reason).

    Scoring never goes ahead on part of the answers: a missing required answer, an unknown
    linkId, an unknown answer or an answer to a question that was not asked all refuse.
    """

    def __init__(self, instrument_id: str, problems: Iterable[tuple[str, str]]) -> None:
        self.instrument_id = instrument_id
        self.problems: tuple[tuple[str, str], ...] = tuple(problems)
        lines = "; ".join(f"{link_id}: {reason}" for link_id, reason in self.problems)
        super().__init__(f"{instrument_id}: cannot score these answers: {lines}")

    @property
    def link_ids(self) -> tuple[str, ...]:
        return tuple(link_id for link_id, _reason in self.problems)


class ThresholdError(ValueError):
    """A threshold the instrument does not allow (or any threshold for a checklist)."""


class InstrumentFileError(ValueError):
    """An instrument file Lantern refuses, naming the file, the place in it and the reason.

    ``where`` is e.g. ``"item phq9-9"``, ``"bands"`` or ``"flag suicide_risk"``. When a file
    has several problems the first is in ``where``/``reason`` and all are in ``problems``.
    """

    def __init__(
        self,
        path: Path,
        where: str,
        reason: str,
        problems: Iterable[tuple[str, str]] = (),
    ) -> None:
        self.path = path
        self.where = where
        self.reason = reason
        self.problems: tuple[tuple[str, str], ...] = tuple(problems) or ((where, reason),)
        lines = "\n".join(f"  {place}: {why}" for place, why in self.problems)
        super().__init__(f"{path.name}: instrument file refused:\n{lines}")
