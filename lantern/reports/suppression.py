"""Small-count suppression over a table of counts with its totals: pure, no database.

A report's figures form a cube: one axis per dimension (month, clinic, and one or two
categories such as instrument or need), with a total ("*") along every axis. A **line** is
the cells along one axis with the others fixed, plus that line's total; every total is the
sum of its line's cells.

* **Primary suppression**: any figure from 1 to 10 (``SMALLEST``) is withheld; it could
  point at a person. Zero is published: it names nobody.
* **Complementary suppression**: in a line whose total is published, the withheld cells
  add up to the total minus the published ones. If that sum is from 1 to 10, it gives a
  small count away, so the smallest published non-zero cell of the line is withheld too (or
  the total, when there is none). This repeats until no line gives anything away.
* **Audit**: lines also combine. A line that hides a single cell gives that cell away, and
  with it a small count it was withheld to protect in another line (a clinic's total minus
  one instrument, whose health-system figure minus the other clinic...). So every withheld
  figure that the published ones determine exactly (``determined``: solved as a system of
  linear equations, one per line) takes one more published figure of one of its lines with
  it, the smallest cell before any total, and the lines are checked again, until no
  withheld figure can be worked out.

Every figure published for any slice of the cube is then either a published cell or a
published total; ``published_sum`` builds further sums only from published cells.
"""

from __future__ import annotations

import itertools
import random
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from fractions import Fraction

TOTAL = "*"
SMALLEST = 11  # the smallest count shown

Key = tuple[str, ...]
Line = tuple[int, Key]  # (axis, the line's total key: TOTAL on that axis)


def is_small(value: int) -> bool:
    return 0 < value < SMALLEST


def with_totals(cells: Mapping[Key, int], axes: Sequence[Sequence[str]]) -> dict[Key, int]:
    """Every cell of the cube (missing ones are 0) and every total along every axis."""
    values: dict[Key, int] = {}
    for key in itertools.product(*([*axis, TOTAL] for axis in axes)):
        values[key] = 0
    for key, count in cells.items():
        for total_key in _totals_over(key):
            values[total_key] += count
    return values


def _totals_over(key: Key) -> Iterator[Key]:
    """The cell itself and every total it is counted in."""
    for mask in itertools.product((False, True), repeat=len(key)):
        yield tuple(TOTAL if masked else part for part, masked in zip(key, mask, strict=True))


def line_cells(line: Line, axes: Sequence[Sequence[str]]) -> list[Key]:
    axis, total = line
    return [(*total[:axis], value, *total[axis + 1 :]) for value in axes[axis]]


def lines_of(key: Key) -> Iterator[Line]:
    """The lines ``key`` is part of: one per axis, as a cell or as the line's total."""
    for axis in range(len(key)):
        yield axis, (*key[:axis], TOTAL, *key[axis + 1 :])


def suppress(
    values: Mapping[Key, int], axes: Sequence[Sequence[str]], forced: Iterable[Key] = ()
) -> dict[Key, int | None]:
    """The cube as it may be published: ``None`` for every withheld figure. ``forced``
    figures are withheld whatever their value (another cube withholds the same figure)."""
    withheld = {key for key, value in values.items() if is_small(value)}
    withheld.update(key for key in forced if values.get(key))
    pending: deque[Line] = deque(_all_lines(values))
    while True:
        _complete_lines(values, withheld, axes, pending)
        if added := _pair_singles(values, withheld, axes):
            pending.extend(line for key in added for line in lines_of(key))
            continue
        exposed = determined(withheld, axes)
        if not exposed:
            break
        extra = _cover(exposed, values, withheld, axes)
        withheld.add(extra)
        pending.extend(lines_of(extra))
    return {key: (None if key in withheld else value) for key, value in values.items()}


def _complete_lines(
    values: Mapping[Key, int],
    withheld: set[Key],
    axes: Sequence[Sequence[str]],
    pending: deque[Line],
) -> None:
    """Complementary suppression along lines, until no line's withheld cells add up to a
    small count."""
    queued = set(pending)
    while pending:
        line = pending.popleft()
        queued.discard(line)
        extra = _complement(line, values, withheld, axes)
        if extra is None:
            continue
        withheld.add(extra)
        # Every line through the new figure is checked again, this one included.
        for touched in lines_of(extra):
            if touched not in queued:
                queued.add(touched)
                pending.append(touched)


def _all_lines(values: Iterable[Key]) -> Iterator[Line]:
    for key in values:
        for axis, part in enumerate(key):
            if part == TOTAL:
                yield axis, key


def _complement(
    line: Line, values: Mapping[Key, int], withheld: set[Key], axes: Sequence[Sequence[str]]
) -> Key | None:
    """The next figure to withhold so that ``line`` gives no small count away, if any."""
    _axis, total = line
    if total in withheld:
        return None
    cells = line_cells(line, axes)
    hidden = sum(values[cell] for cell in cells if cell in withheld)
    if not is_small(hidden):
        return None
    shown = [cell for cell in cells if cell not in withheld and values[cell] > 0]
    if not shown:
        return total
    return min(shown, key=lambda cell: (values[cell], cell))


def _members(line: Line, axes: Sequence[Sequence[str]]) -> list[Key]:
    return [*line_cells(line, axes), line[1]]


def _pair_singles(
    values: Mapping[Key, int], withheld: set[Key], axes: Sequence[Sequence[str]]
) -> list[Key]:
    """A line that withholds a single figure gives it away (its total minus its cells):
    withhold a second one on each such line, the one ``_cover`` prefers. The figures added."""
    added: list[Key] = []
    for line in sorted({line for key in withheld for line in lines_of(key)}):
        members = _members(line, axes)
        hidden = [key for key in members if key in withheld]
        if len(hidden) == 1:
            extra = _cover(set(hidden), values, withheld, axes, pool=members)
            withheld.add(extra)
            added.append(extra)
    return added


def _cover(
    exposed: set[Key],
    values: Mapping[Key, int],
    withheld: set[Key],
    axes: Sequence[Sequence[str]],
    pool: Iterable[Key] = (),
) -> Key:
    """The published figure to withhold next so that the ``exposed`` figures can no longer
    be worked out: non-zero, on a line of one of them (or anywhere in the cube, when those
    lines have none left). Preferred: one that joins the most lines holding a single
    withheld figure (the plainest giveaway), then the most exposed figures, then a cell
    before a total, then the smallest."""

    def members(key: Key) -> list[list[Key]]:
        return [_members(line, axes) for line in lines_of(key)]

    def cost(key: Key) -> tuple[int, int, int, int, Key]:
        lines = members(key)
        single = sum(1 for line in lines if len(withheld.intersection(line)) == 1)
        shared = len(exposed.intersection(k for line in lines for k in line))
        return (-single, -shared, key.count(TOTAL), values[key], key)

    near = pool or {key for figure in exposed for line in members(figure) for key in line}
    for place in (near, values):
        candidates = [key for key in place if key not in withheld and values[key] > 0]
        if candidates:
            return min(candidates, key=cost)
    raise AssertionError("a cube with every non-zero figure withheld determines none of them")


def determined(withheld: set[Key], axes: Sequence[Sequence[str]]) -> set[Key]:
    """The withheld figures that the published ones give away exactly.

    Each line is an equation over its withheld figures: its total minus its cells equals
    what its published figures add up to. A withheld figure is given away when every
    solution of the equations agrees on it, that is when no solution of the equations
    without their constant terms (a way of moving counts between withheld figures that no
    published figure notices) changes it. The equations are brought to row echelon form in
    exact fractions, one connected group of them at a time; two such movements are then
    drawn at random: a figure that neither changes is taken as given away. (A figure that
    really can move stays put in both with a chance under one in 2**64; the error is then
    one more figure withheld, never one less.)
    """
    lines = {line for key in withheld for line in lines_of(key)}
    equations = []
    for line in sorted(lines):
        row = {key: Fraction(-1) for key in line_cells(line, axes) if key in withheld}
        if line[1] in withheld:
            row[line[1]] = Fraction(1)
        equations.append(row)
    found: set[Key] = set()
    for group in _connected(equations):
        found |= _fixed(group)
    return found


def _connected(equations: list[dict[Key, Fraction]]) -> list[list[dict[Key, Fraction]]]:
    """The equations in groups that share no withheld figure."""
    parent: dict[Key, Key] = {}

    def root(key: Key) -> Key:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for row in equations:
        first, *others = row
        for key in others:
            parent[root(key)] = root(first)
    groups: dict[Key, list[dict[Key, Fraction]]] = {}
    for row in equations:
        groups.setdefault(root(next(iter(row))), []).append(row)
    return list(groups.values())


def _fixed(equations: list[dict[Key, Fraction]]) -> set[Key]:
    """The unknowns of ``equations`` (a connected group) that no solution moves."""
    echelon: dict[Key, dict[Key, Fraction]] = {}  # pivot -> its row, later keys only
    for equation in equations:
        row = dict(equation)
        while row:
            pivot = min(row, key=_order)
            if pivot not in echelon:
                scale = row[pivot]
                echelon[pivot] = {key: value / scale for key, value in row.items()}
                break
            _add(row, echelon[pivot], -row[pivot])
    unknowns = {key for equation in equations for key in equation}
    free = unknowns - set(echelon)
    # Seeded, so a refresh of the same figures withholds the same ones; nothing secret here.
    draw = random.Random(len(unknowns))  # noqa: S311  # nosec B311
    moves = []
    for _n in range(2):
        move = {key: Fraction(draw.randint(1, 2**32)) for key in free}
        for pivot in sorted(echelon, key=_order, reverse=True):
            row = echelon[pivot]
            move[pivot] = -sum((row[key] * move[key] for key in row if key != pivot), Fraction(0))
        moves.append(move)
    return {key for key in unknowns if all(move[key] == 0 for move in moves)}


def _order(key: Key) -> tuple[int, Key]:
    """A fixed order for the unknowns: totals first (measured a little faster)."""
    return -key.count(TOTAL), key


def _add(target: dict[Key, Fraction], source: Mapping[Key, Fraction], factor: Fraction) -> None:
    for key, value in source.items():
        total = target.get(key, Fraction(0)) + factor * value
        if total:
            target[key] = total
        else:
            target.pop(key, None)


def published_sum(figures: Iterable[int | None]) -> int | None:
    """The sum of figures, or ``None`` if any of them is withheld: built only from what is
    published, it can give nothing away that the figures themselves do not."""
    total = 0
    for figure in figures:
        if figure is None:
            return None
        total += figure
    return total
