"""Urgent flags of a screening as the pages show them: each with its acknowledgement or form."""

from __future__ import annotations

from typing import Any

from lantern.screening import decision_support
from lantern.screening.forms import AcknowledgeForm
from lantern.screening.models import FlagAcknowledgement, ScreeningResult

Urgent = tuple[ScreeningResult, dict[str, Any], FlagAcknowledgement | None, AcknowledgeForm]


def acknowledge_prefix(result_id: int, flag: str) -> str:
    return f"ack-{result_id}-{flag}"


def urgent_flags(
    results: list[ScreeningResult],
    failed: AcknowledgeForm | None = None,
    *,
    waiting_only: bool = False,
) -> list[Urgent]:
    """(result, flag, acknowledgement or None, form) for every flag needing acknowledgement;
    with ``waiting_only``, only those nobody has acknowledged yet."""
    found: list[Urgent] = []
    for result in results:
        done = {a.flag: a for a in result.acknowledgements.all()}
        for flag in result.summary.get("flags", []):
            if not decision_support.needs_acknowledgement(flag):
                continue
            if waiting_only and flag["code"] in done:
                continue
            prefix = acknowledge_prefix(result.pk, flag["code"])
            form = failed if failed is not None and failed.prefix == prefix else None
            found.append(
                (result, flag, done.get(flag["code"]), form or AcknowledgeForm(prefix=prefix))
            )
    return found
