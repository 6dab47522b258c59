"""Refreshing the program reports: count, suppress, store. Nothing else writes them."""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from lantern.accounts.models import Clinic, HealthSystem
from lantern.reports import figures, measures, suppression
from lantern.reports.models import ReportSnapshot

# Months a report holds, up to this one: older figures are left out, as are dates ahead
# (an activity done before the day it was due).
MONTHS_KEPT = 36


def months_between(first: str, last: str) -> list[str]:
    """Every ``YYYY-MM`` from ``first`` to ``last``, both included."""
    year, month = (int(part) for part in first.split("-"))
    found = []
    while f"{year:04d}-{month:02d}" <= last:
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def months_ending(last: str, count: int) -> list[str]:
    """The ``count`` months up to ``last``, oldest first."""
    year, month = (int(part) for part in last.split("-"))
    index = year * 12 + month - 1
    return [f"{n // 12:04d}-{n % 12 + 1:02d}" for n in range(index - count + 1, index + 1)]


def _axis(measure: measures.Measure, position: int, seen: set[str]) -> list[str]:
    """A dimension's categories: its vocabulary, then any others the records hold."""
    known = [code for code, _label in measure.dimensions[position].labels()]
    return known + sorted(seen - set(known))


Cube = tuple[dict[tuple[str, ...], int], list[Sequence[str]]]  # values with totals, axes


def _cubes(
    measure: measures.Measure,
    counts: figures.Counts,
    months: list[str],
    clinics: list[str],
) -> tuple[list[list[str]], dict[str, Cube]]:
    """Each month's cube of clinics by categories, with totals along every axis.

    Months are cubes of their own, with no total over months: a figure for several months is
    only ever a sum of published ones (``tables``), so a choice of months can reveal
    nothing, and a small month never costs another month its figures.
    """
    extra = [
        _axis(measure, n, {key[2 + n] for key in counts}) for n in range(len(measure.dimensions))
    ]
    axes: list[Sequence[str]] = [clinics, *extra]
    per_month: dict[str, Counter[tuple[str, ...]]] = {month: Counter() for month in months}
    for key, count in counts.items():
        per_month[key[0]][key[1:]] += count
    cubes = {
        month: (suppression.with_totals(cells, axes), axes)
        for month, cells in per_month.items()
        if cells
    }
    return extra, cubes


def _suppressed_together(cubes: dict[str, Cube]) -> dict[str, dict[tuple[str, ...], int | None]]:
    """Cubes of the same people (``measures.SAME_PEOPLE``) suppressed together: their
    per-clinic totals are the same figures, so a total one of them withholds is withheld by
    all (else "patients seen" would give away what the age bands withhold), until they agree.
    """
    withheld: set[str] = set()  # clinics (and "*") whose total is withheld
    while True:
        shown = {
            key: suppression.suppress(values, axes, [_total_of(place, axes) for place in withheld])
            for key, (values, axes) in cubes.items()
        }
        now = {
            place
            for published in shown.values()
            for (place, *rest), figure in published.items()
            if figure is None and all(part == suppression.TOTAL for part in rest)
        }
        if now <= withheld:
            return shown
        withheld |= now


def _total_of(place: str, axes: Sequence[Sequence[str]]) -> tuple[str, ...]:
    return (place, *[suppression.TOTAL] * (len(axes) - 1))


def _rows(month: str, published: dict[tuple[str, ...], int | None]) -> list[list[object]]:
    return [[month, *key, figure] for key, figure in published.items() if figure != 0]


def _published_all(
    counted: dict[str, figures.Counts], months: list[str], clinics: list[str]
) -> tuple[dict[str, list[list[str]]], dict[str, list[list[object]]]]:
    """Every measure's categories and its suppressed figures, as stored."""
    axes: dict[str, list[list[str]]] = {}
    cubes: dict[str, dict[str, Cube]] = {}
    for measure in measures.MEASURES:
        axes[measure.key], cubes[measure.key] = _cubes(
            measure, counted[measure.key], months, clinics
        )
    stored: dict[str, list[list[object]]] = {key: [] for key in axes}
    for month in months:
        together = {key: cubes[key][month] for key in measures.SAME_PEOPLE if month in cubes[key]}
        for key, published in _suppressed_together(together).items():
            stored[key] += _rows(month, published)
        for key in axes:
            if key not in measures.SAME_PEOPLE and month in cubes[key]:
                values, cube_axes = cubes[key][month]
                stored[key] += _rows(month, suppression.suppress(values, cube_axes))
    return axes, stored


@transaction.atomic
def reports_refresh(
    *, health_system: HealthSystem, now: datetime.datetime | None = None
) -> ReportSnapshot:
    """Count every measure at the health system's clinics, suppress, and store."""
    now = now or timezone.now()
    clinic_ids = list(
        Clinic.objects.filter(health_system=health_system)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    counted = figures.count_all(clinic_ids, now)
    this_month = figures.month_of(now)
    months = months_ending(this_month, MONTHS_KEPT)
    kept = set(months)
    for key in list(counted):
        counted[key] = Counter({k: n for k, n in counted[key].items() if k[0] in kept})
    clinics = [str(pk) for pk in clinic_ids]
    axes, stored = _published_all(counted, months, clinics)
    snapshot, _created = ReportSnapshot.objects.update_or_create(
        health_system=health_system,
        defaults={
            "refreshed_at": now,
            "months": months,
            "clinics": clinic_ids,
            "axes": axes,
            "figures": stored,
        },
    )
    return snapshot


def reports_refresh_all(*, now: datetime.datetime | None = None) -> list[ReportSnapshot]:
    return [reports_refresh(health_system=system, now=now) for system in HealthSystem.objects.all()]
