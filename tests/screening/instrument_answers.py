"""Answer sets for instrument tests: a chosen total, spread over an instrument's items."""

from __future__ import annotations

from lantern.screening.instruments import Instrument


def spread(instrument: Instrument, total: int, *, last: int = 0, keep_last: bool = True) -> dict:
    """Score values adding up to ``total``, filling items in order, each up to its maximum.

    With ``keep_last`` the last scored item gets ``last`` and the others carry the rest,
    so PHQ-9 totals can be reached without touching item 9 (which raises a flag).
    """
    scored = [item for item in instrument.items if item.scored]
    fixed = scored[-1] if keep_last else None
    answers = {fixed.link_id: last} if fixed else {}
    remaining = total - (last if fixed else 0)
    for item in scored:
        if item is fixed:
            continue
        top = max(option.score for option in item.options if option.score is not None)
        answers[item.link_id] = min(top, remaining)
        remaining -= answers[item.link_id]
    if remaining:
        raise ValueError(f"{instrument.id}: cannot reach total {total}")
    return answers


def yes_count(link_ids: list[str], yes: int, *, no: str = "no") -> dict:
    """The first ``yes`` of ``link_ids`` answered yes, the rest ``no``."""
    return {link_id: "yes" if i < yes else no for i, link_id in enumerate(link_ids)}
