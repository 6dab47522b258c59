"""The report's tables, read from a health system's stored (already suppressed) figures.

A table has a row per month of the chosen range and a column per category (or per clinic),
with a total column and a total row. Every figure comes straight from the stored cube, or is
a sum of published figures only: a sum that would need a withheld one is withheld, so no
choice of clinic or months can take a withheld count apart.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from lantern.accounts.models import Clinic
from lantern.reports import measures
from lantern.reports.models import ReportSnapshot
from lantern.reports.suppression import TOTAL, published_sum

Figure = int | None  # None: withheld


def month_label(month: str) -> str:
    """``2026-03`` as the reader's language writes it ("March 2026", "marzo de 2026")."""
    year, number = (int(part) for part in month.split("-"))
    return date_format(datetime.date(year, number, 1), "YEAR_MONTH_FORMAT")


@dataclass(frozen=True)
class Row:
    month: str  # YYYY-MM
    label: str
    cells: list[Figure]
    total: Figure
    share: str = ""  # "62%" where the table shows a share met


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    description: str
    columns: list[str]
    rows: list[Row]
    totals: list[Figure]
    grand_total: Figure
    share_heading: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def withheld(self) -> bool:
        figures = [*self.totals, self.grand_total]
        figures += [f for row in self.rows for f in (*row.cells, row.total)]
        return any(figure is None for figure in figures)

    def flat(self) -> Iterable[tuple[str, str, Figure]]:
        """(month, column, figure) for every figure, totals included: what exports write."""
        total = _("Total")
        for row in self.rows:
            for column, figure in zip(self.columns, row.cells, strict=True):
                yield row.month, column, figure
            yield row.month, total, row.total
        for column, figure in zip(self.columns, self.totals, strict=True):
            yield total, column, figure
        yield total, total, self.grand_total


class Cube:
    """One measure's stored figures; anything not stored is zero."""

    def __init__(self, snapshot: ReportSnapshot, measure: str) -> None:
        self.figures: dict[tuple[str, ...], Figure] = {
            tuple(str(part) for part in row[:-1]): row[-1]
            for row in snapshot.figures.get(measure, [])
        }
        self.axes: list[list[str]] = snapshot.axes.get(measure, [])

    def get(self, *key: str) -> Figure:
        return self.figures.get(key, 0)


@dataclass(frozen=True)
class Scope:
    """Which figures a report shows: one clinic or the whole health system, and months."""

    snapshot: ReportSnapshot
    clinics: Sequence[Clinic]  # the health system's, in column order
    clinic: Clinic | None  # None: every clinic of the health system
    months: list[str]

    @property
    def place(self) -> str:
        return TOTAL if self.clinic is None else str(self.clinic.pk)


def _table(
    scope: Scope,
    cube: Cube,
    key: str,
    title: str,
    description: str,
    columns: list[tuple[str, list[str]]],  # (label, the key after the month)
    total_key: list[str],
) -> Table:
    rows = [
        Row(
            month,
            month_label(month),
            [cube.get(month, *parts) for _label, parts in columns],
            cube.get(month, *total_key),
        )
        for month in scope.months
    ]
    # Over months: sums of published figures only (see the module's docstring).
    totals = [published_sum(row.cells[n] for row in rows) for n in range(len(columns))]
    grand = published_sum(row.total for row in rows)
    return Table(key, title, description, [label for label, _p in columns], rows, totals, grand)


def _used(cube: Cube, position: int, place: str) -> list[str]:
    """The categories with any figure at all in scope (a withheld one counts as used)."""
    used = {key[2 + position] for key, figure in cube.figures.items() if key[1] == place}
    return [code for code in cube.axes[position] if code in used and code != TOTAL]


def _labels(measure: measures.Measure, position: int) -> dict[str, str]:
    return dict(measure.dimensions[position].labels())


def _description(measure: measures.Measure, scope: Scope) -> str:
    return _("Counts of %(what)s per month, %(where)s.") % {
        "what": measure.counts,
        "where": scope.clinic.name if scope.clinic else _("at every clinic of the health system"),
    }


def per_clinic(scope: Scope, key: str) -> Table:
    """A measure without categories: a column per clinic, the health system as the total."""
    measure = measures.BY_KEY[key]
    cube = Cube(scope.snapshot, key)
    clinics = [scope.clinic] if scope.clinic else list(scope.clinics)
    columns = [(clinic.name, [str(clinic.pk)]) for clinic in clinics]
    return _table(
        scope, cube, key, str(measure.title), _description(measure, scope), columns, [scope.place]
    )


def per_category(
    scope: Scope,
    key: str,
    position: int = 0,
    fixed: Sequence[str] = (),
    suffix: str = "",
    table_key: str = "",
) -> Table:
    """A measure by one of its categories (the others fixed, ``*`` for all of them)."""
    measure = measures.BY_KEY[key]
    cube = Cube(scope.snapshot, key)
    labels = _labels(measure, position)
    codes = _used(cube, position, scope.place)
    columns = []
    for code in codes:
        parts = list(fixed)
        parts.insert(position, code)
        columns.append((labels.get(code, code), [scope.place, *parts]))
    total = list(fixed)
    total.insert(position, TOTAL)
    title = f"{measure.title}: {suffix}" if suffix else str(measure.title)
    return _table(
        scope,
        cube,
        table_key or key,
        title,
        _description(measure, scope),
        columns,
        [scope.place, *total],
    )


def with_share_met(table: Table) -> Table:
    """Add the share of windows met to each month, where both figures are published."""
    rows = [
        Row(r.month, r.label, r.cells, r.total, _share(r.cells[0], r.total)) for r in table.rows
    ]
    return Table(
        table.key,
        table.title,
        table.description,
        table.columns,
        rows,
        table.totals,
        table.grand_total,
        share_heading=_("Share met"),
    )


def _share(met: Figure, total: Figure) -> str:
    if met is None or not total:
        return "" if total == 0 else "—"
    return f"{round(100 * met / total)}%"


def window_table(scope: Scope, window: str) -> Table:
    labels = _labels(measures.BY_KEY["urgent"], 0)
    cube = Cube(scope.snapshot, "urgent")
    columns = [
        (label, [scope.place, window, code]) for code, label in measures.WINDOW_OUTCOME.labels()
    ]
    table = _table(
        scope,
        cube,
        f"urgent-{window}",
        labels[window],
        _description(measures.BY_KEY["urgent"], scope),
        columns,
        [scope.place, window, TOTAL],
    )
    return with_share_met(table)


def report_tables(scope: Scope) -> list[Table]:
    """Every table of the report, in the order the page shows them."""
    return [
        per_clinic(scope, "seen"),
        per_clinic(scope, "screened"),
        per_category(scope, "positive"),
        per_clinic(scope, "indicators"),
        per_category(scope, "consent"),
        per_category(scope, "referrals", 0, [TOTAL], _("by need"), "referrals-need"),
        per_category(scope, "referrals", 1, [TOTAL], _("by outcome"), "referrals-outcome"),
        per_category(scope, "follow_ups"),
        per_category(scope, "follow_up_time"),
        window_table(scope, measures.NPEP),
        window_table(scope, measures.EC),
        per_category(scope, "age"),
        per_category(scope, "gender"),
        per_category(scope, "language"),
    ]
