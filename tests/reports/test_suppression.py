"""Suppression: no published figure, no total minus the published cells of its line, and no
withheld figure that the published ones give away through any combination of lines, is a
count from 1 to 10."""

from __future__ import annotations

import itertools
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from lantern.reports.suppression import (
    TOTAL,
    determined,
    line_cells,
    published_sum,
    suppress,
    with_totals,
)

counts = st.one_of(st.just(0), st.integers(1, 10), st.integers(11, 60))


@st.composite
def cubes(draw):
    shape = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    axes = [[f"{axis}{n}" for n in range(size)] for axis, size in enumerate(shape)]
    cells = {key: draw(counts) for key in itertools.product(*axes)}
    return axes, cells


def every_line(axes):
    for axis in range(len(axes)):
        others = [[*a, TOTAL] for a in axes]
        others[axis] = [TOTAL]
        for total in itertools.product(*others):
            yield axis, total


@given(cubes())
def test_no_published_figure_or_difference_is_a_small_count(cube):
    axes, cells = cube
    values = with_totals(cells, axes)
    published = suppress(values, axes)
    for key, figure in published.items():
        assert figure is None or not 1 <= figure <= 10, (key, figure)
        assert figure is None or figure == values[key]
    for line in every_line(axes):
        _axis, total = line
        if published[total] is None:
            continue
        shown = sum(published[c] or 0 for c in line_cells(line, axes))
        difference = published[total] - shown
        assert not 1 <= difference <= 10, (line, difference)


def test_a_single_small_cell_takes_the_next_smallest_of_its_row_and_column_with_it():
    axes = [["jan", "feb"], ["a", "b", "c"]]
    cells = {
        ("jan", "a"): 5,
        ("jan", "b"): 30,
        ("jan", "c"): 12,
        ("feb", "a"): 40,
        ("feb", "b"): 20,
        ("feb", "c"): 25,
    }
    published = suppress(with_totals(cells, axes), axes)
    assert published[("jan", "a")] is None  # 5: primary
    assert published[("jan", "c")] is None  # 12: the smallest other cell of its row
    # Column a: its small cell takes 40 with it. Column c would then give 12 away (37 - 25),
    # and with it the 5 (47 - 30 - 12): so 25 goes too, and the four withheld cells hide
    # one another.
    assert published[("feb", "a")] is None
    assert published[("feb", "c")] is None
    assert published[("jan", "b")] == 30
    assert published[("jan", TOTAL)] == 47
    assert published[(TOTAL, TOTAL)] == 132


def test_a_line_with_only_zeros_beside_the_small_cell_withholds_its_total():
    axes = [["jan"], ["a", "b"]]
    published = suppress(with_totals({("jan", "a"): 4, ("jan", "b"): 0}, axes), axes)
    assert published[("jan", "a")] is None
    assert published[("jan", TOTAL)] is None
    assert published[("jan", "b")] == 0


def test_sums_are_built_only_from_published_figures():
    assert published_sum([12, 0, 30]) == 42
    assert published_sum([12, None, 30]) is None


def _rank(rows):
    """Rank of a dense matrix of fractions (plain Gaussian elimination)."""
    rows = [list(row) for row in rows]
    rank = 0
    for column in range(len(rows[0]) if rows else 0):
        pivot = next((r for r in range(rank, len(rows)) if rows[r][column]), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for r in range(len(rows)):
            if r != rank and rows[r][column]:
                factor = rows[r][column] / rows[rank][column]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[rank], strict=True)]
        rank += 1
    return rank


def worked_out(published, axes):
    """What a reader can compute from the published figures: every withheld figure whose
    value every solution of the lines' equations agrees on (removing its column lowers the
    rank of the equations over the withheld figures)."""
    unknown = sorted(key for key, figure in published.items() if figure is None)
    matrix = []
    for line in every_line(axes):
        members = [(cell, Fraction(-1)) for cell in line_cells(line, axes)] + [
            (line[1], Fraction(1))
        ]
        coefficients = dict(members)
        matrix.append([coefficients.get(key, Fraction(0)) for key in unknown])
    full = _rank(matrix)
    return {
        key
        for n, key in enumerate(unknown)
        if _rank([row[:n] + row[n + 1 :] for row in matrix]) < full
    }


@given(cubes())
def test_no_withheld_figure_can_be_worked_out_from_the_published_ones(cube):
    axes, cells = cube
    published = suppress(with_totals(cells, axes), axes)
    assert not worked_out(published, axes)


def test_a_clinic_total_minus_another_clinics_figure_gives_nothing_away():
    """Positive screens by clinic and instrument: Eastside has 5 PHQ-9 and 20 GAD-7,
    Riverside 30 and 30. Withholding only the 5 and the two figures of its row and column
    would publish the GAD-7 total (50) and Riverside's GAD-7 (30): 50 - 30 = 20 for
    Eastside's GAD-7, and Eastside's total 25 - 20 = 5."""
    axes = [["eastside", "riverside"], ["phq9", "gad7"]]
    cells = {
        ("eastside", "phq9"): 5,
        ("eastside", "gad7"): 20,
        ("riverside", "phq9"): 30,
        ("riverside", "gad7"): 30,
    }
    published = suppress(with_totals(cells, axes), axes)
    gad7, riverside_gad7 = published[(TOTAL, "gad7")], published[("riverside", "gad7")]
    assert gad7 is None or riverside_gad7 is None
    assert not worked_out(published, axes)
    assert published[(TOTAL, TOTAL)] == 85  # the health system's total still shows


def test_the_audit_finds_a_figure_given_away_by_two_lines():
    axes = [["a", "b"], ["x", "y"]]
    withheld = {("a", "x"), ("a", "y"), ("b", "x")}
    assert determined(withheld, axes) == withheld
    assert determined(withheld | {("b", "y")}, axes) == set()
