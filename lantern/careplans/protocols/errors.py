"""Refusals: facts that cannot be planned from, and protocol files that cannot be used."""

from __future__ import annotations

from collections.abc import Iterable

Problem = tuple[str, str]  # (where, reason)


class FactsError(ValueError):
    """Facts Lantern refuses to plan from; ``problems`` lists every (field, reason).

    Planning never goes ahead on part of the facts: an unknown or missing field, a wrong
    type, a value out of range or a contradiction (a pregnant person male at birth, an
    exposure after the assessment) each refuses.
    """

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        lines = "; ".join(f"{name}: {reason}" for name, reason in self.problems)
        super().__init__(f"facts refused: {lines}")

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(name for name, _reason in self.problems)


class ProtocolFileError(ValueError):
    """A protocol Lantern refuses, naming the file, the place in it and the reason.

    ``name`` is the file name (or the name given to ``load_protocol`` for a stored copy);
    ``where`` is e.g. ``"rule npep"``, ``"rule npep, activity hiv-npep"`` or ``"sources"``.
    The first problem is in ``where``/``reason``; all of them are in ``problems``.
    """

    def __init__(self, name: str, problems: Iterable[Problem]) -> None:
        self.name = name
        self.problems: tuple[Problem, ...] = tuple(problems)
        if not self.problems:
            raise ValueError("a refusal needs at least one problem")
        self.where, self.reason = self.problems[0]
        lines = "\n".join(f"  {where}: {why}" for where, why in self.problems)
        super().__init__(f"{name}: protocol refused:\n{lines}")


class JsonTextError(ValueError):
    """Text Lantern will not read as JSON: too large, nested too deeply, or not JSON at all.

    ``reason`` says which, with the limit; the text itself is never repeated.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PlanError(ValueError):
    """A request the planner cannot honour (e.g. a done activity the protocol lacks)."""
