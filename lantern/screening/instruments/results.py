"""What scoring returns: plain values, JSON-ready through ``as_dict()``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lantern.screening.instruments.model import Band, LocalizedText


@dataclass(frozen=True)
class Flag:
    """Raised by particular answers, whatever the total (e.g. PHQ-9 item 9 above zero)."""

    code: str
    severity: str  # "imminent" | "urgent" | "concern" | "info"
    message: LocalizedText

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "message": dict(self.message)}


@dataclass(frozen=True)
class ScoreResult:
    instrument_id: str
    version: str
    total: int | None
    max_total: int
    band: Band | None
    positive: bool  # always False for decision-support checklists
    threshold: int | None
    flags: tuple[Flag, ...]  # most pressing first
    answered: int  # questions answered (display text, unasked and declined excluded)
    decision_support_only: bool
    answers: tuple[tuple[str, str], ...]  # (linkId, answer code), in question order
    declined: tuple[str, ...] = ()  # scored or required questions the patient declined
    unanswered: tuple[str, ...] = ()  # required questions left open on an unfinished form
    answered_total: int | None = None  # what the answered questions add up to
    declined_note: LocalizedText | None = None  # why declining made the screen positive

    @property
    def complete(self) -> bool:
        """Every scored question asked was answered: the total means what it says."""
        return not self.declined and not self.unanswered

    def has_flag(self, code: str) -> bool:
        return any(flag.code == code for flag in self.flags)

    def as_dict(self) -> dict[str, Any]:
        return {
            "instrument_id": self.instrument_id,
            "version": self.version,
            "total": self.total,
            "max_total": self.max_total,
            "band": self.band.as_dict() if self.band else None,
            "positive": self.positive,
            "threshold": self.threshold,
            "flags": [flag.as_dict() for flag in self.flags],
            "answered": self.answered,
            "decision_support_only": self.decision_support_only,
            "answers": dict(self.answers),
            "complete": self.complete,
            "declined": list(self.declined),
            "unanswered": list(self.unanswered),
            "answered_total": self.answered_total,
            "declined_note": dict(self.declined_note) if self.declined_note else None,
        }
