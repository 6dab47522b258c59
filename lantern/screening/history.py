"""A patient's screening results over time, and small SVG charts drawn on the server."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.html import format_html
from django.utils.safestring import SafeString

from lantern.screening import instruments
from lantern.screening.decision_support import compare
from lantern.screening.models import ScreeningResult

if TYPE_CHECKING:
    from lantern.patients.models import Patient

CHART_WIDTH, CHART_HEIGHT, PADDING = 240, 64, 6


@dataclass(frozen=True)
class Row:
    result: ScreeningResult
    change: str  # "first" | "higher" | "lower" | "same" | "incomplete"
    previous_total: int | None


def rows(patient: Patient, limit: int = 200) -> list[Row]:
    """The newest results first, each compared with the same instrument's previous result.

    Only the newest ``limit`` results are read; the oldest of them per instrument is shown
    without a comparison.
    """
    newest = (
        ScreeningResult.objects.released()
        .filter(patient=patient)
        .defer("answers")
        .order_by("-recorded_at", "-pk")[:limit]
    )
    results = sorted(newest, key=lambda result: (result.recorded_at, result.pk))
    previous: dict[str, ScreeningResult] = {}
    found = []
    for result in results:
        before = previous.get(result.instrument_id)
        found.append(
            Row(
                result,
                compare(before.summary if before else None, result.summary),
                before.total if before else None,
            )
        )
        if result.total is not None:  # an incomplete result is no baseline for the next one
            previous[result.instrument_id] = result
    found.sort(key=lambda row: row.result.recorded_at, reverse=True)
    return found


@dataclass(frozen=True)
class Chart:
    instrument_id: str
    title: str
    svg: SafeString
    points: int


def charts(patient: Patient, language: str = "en") -> list[Chart]:
    """One line chart per instrument scored more than once (totals over time)."""
    by_instrument: dict[str, list[int]] = {}
    for instrument_id, total in (
        ScreeningResult.objects.released()
        .filter(patient=patient, total__isnull=False)
        .order_by("recorded_at")
        .values_list("instrument_id", "total")
    ):
        if total is not None:  # for the type checker: the filter above excludes None
            by_instrument.setdefault(instrument_id, []).append(total)
    found = []
    for instrument_id, totals in sorted(by_instrument.items()):
        if len(totals) < 2:
            continue
        instrument = instruments.get_instrument(instrument_id)
        title = instruments.text_in(instrument.title, language)
        found.append(
            Chart(instrument_id, title, line_svg(totals, instrument.max_total), len(totals))
        )
    return found


def line_svg(totals: Sequence[int], maximum: int) -> SafeString:
    """A small polyline of totals; decorative, because the table beside it has the numbers."""
    span = max(maximum, 1)
    step = (CHART_WIDTH - 2 * PADDING) / max(len(totals) - 1, 1)
    height = CHART_HEIGHT - 2 * PADDING
    points = " ".join(
        f"{PADDING + i * step:.1f},{CHART_HEIGHT - PADDING - (total / span) * height:.1f}"
        for i, total in enumerate(totals)
    )
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" width="{}" height="{}" aria-hidden="true" '
        'focusable="false"><polyline class="chart__line" fill="none" points="{}"/></svg>',
        CHART_WIDTH,
        CHART_HEIGHT,
        CHART_WIDTH,
        CHART_HEIGHT,
        points,
    )
