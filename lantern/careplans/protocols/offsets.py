"""Offsets: how far a window's earliest, due and latest dates lie after their anchor.

An offset is a whole number and a unit: ``72h`` (hours), ``5d`` (days of 24 hours), ``4w``
(weeks), ``3mo`` (calendar months), ``1y`` (calendar years), or ``eod``: the end of the
anchor's own day (23:59:59). Plans are computed in the UTC offset of the assessment, a fixed
offset, so hours, days and weeks are elapsed time (72 h is 72 h across a daylight-saving
change) and months and years are calendar steps on that fixed-offset clock (31 January plus
one month is 28 or 29 February).

Months and years vary in length, so comparing offsets of different units uses the shortest
and longest each can be (``1mo`` is 28 to 31 days).
"""

from __future__ import annotations

import calendar
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache, partial

PATTERN = re.compile(r"^(0|[1-9][0-9]*)(h|d|w|mo|y)$")
LONGEST_TEXT = 12  # "1000000000d" fits; anything longer is not an offset
END_OF_DAY = "eod"
HOURS_PER_UNIT = {"h": 1, "d": 24, "w": 168}
MAX_HOURS = 10 * 366 * 24  # nothing in a follow-up plan lies ten years ahead
# The fewest hours one unit can be: more units than MAX_HOURS of these is too far, without
# counting calendar months day by day.
SHORTEST_UNIT_HOURS = {"h": 1, "d": 24, "w": 168, "mo": 28 * 24, "y": 365 * 24}
UNITS_HELP = "a whole number and h, d, w, mo or y (e.g. 72h, 5d, 4w, 3mo, 1y), or eod"


class OffsetError(ValueError):
    """Text that is not an offset, or one too far ahead; the message says why."""


@dataclass(frozen=True)
class Offset:
    amount: int
    unit: str  # "h", "d", "w", "mo", "y" or "eod"
    _step: timedelta | None = field(default=None, compare=False, repr=False)

    @property
    def text(self) -> str:
        return END_OF_DAY if self.unit == END_OF_DAY else f"{self.amount}{self.unit}"

    def __str__(self) -> str:
        return self.text

    @property
    def shortest_hours(self) -> float:
        return _bounds(self.amount, self.unit)[0]

    @property
    def longest_hours(self) -> float:
        return _bounds(self.amount, self.unit)[1]

    def after(self, moment: datetime) -> datetime:
        """``moment`` plus this offset, on ``moment``'s own (fixed-offset) clock."""
        return self.adder(moment)

    @property
    def adder(self) -> Callable[[datetime], datetime]:
        """``after`` as a plain function (the planner calls it thousands of times a second)."""
        if self._step is not None:
            return partial(operator.add, self._step)
        if self.unit == END_OF_DAY:
            return end_of_day
        return partial(add_months, months=self.amount * (12 if self.unit == "y" else 1))

    def at_most(self, other: Offset) -> bool:
        """True when this offset can never be later than ``other``, whatever the anchor."""
        if self.unit == other.unit:
            return self.amount <= other.amount
        months, other_months = self.calendar_months, other.calendar_months
        if months is not None and other_months is not None:
            return months <= other_months
        return self.longest_hours <= other.shortest_hours

    @property
    def calendar_months(self) -> int | None:
        """The offset in calendar months (a year is 12), or None for other units."""
        return {"mo": self.amount, "y": 12 * self.amount}.get(self.unit)


def parse_offset(text: object) -> Offset:
    """The offset ``text`` names; OffsetError saying what is wrong otherwise."""
    if not isinstance(text, str):
        raise OffsetError(f"must be a text offset: {UNITS_HELP}")
    if text == END_OF_DAY:
        return Offset(0, END_OF_DAY)
    if len(text) > LONGEST_TEXT:
        raise OffsetError(f"'{text[:LONGEST_TEXT]}...' is not an offset: {UNITS_HELP}")
    match = PATTERN.match(text)
    if match is None:
        raise OffsetError(f"'{text}' is not an offset: {UNITS_HELP}")
    amount, unit = int(match.group(1)), match.group(2)
    if amount * SHORTEST_UNIT_HOURS[unit] > MAX_HOURS or _bounds(amount, unit)[1] > MAX_HOURS:
        raise OffsetError(f"'{text}' is more than ten years ahead")
    step = timedelta(hours=amount * HOURS_PER_UNIT[unit]) if unit in HOURS_PER_UNIT else None
    return Offset(amount, unit, step)


def add_months(moment: datetime, months: int) -> datetime:
    """Calendar months later, the day of the month kept or cut to the month's last day."""
    years, index = divmod(moment.month - 1 + months, 12)
    year, day = moment.year + years, moment.day
    if day > 28:
        day = min(day, calendar.monthrange(year, index + 1)[1])
    return moment.replace(year=year, month=index + 1, day=day)


def end_of_day(moment: datetime) -> datetime:
    """23:59:59 on ``moment``'s day, or ``moment`` itself in that day's last second."""
    return max(moment.replace(hour=23, minute=59, second=59, microsecond=0), moment)


@cache
def _bounds(amount: int, unit: str) -> tuple[float, float]:
    """Shortest and longest length in hours, over every day of a four-year cycle."""
    if unit in HOURS_PER_UNIT:
        hours = float(amount * HOURS_PER_UNIT[unit])
        return hours, hours
    if unit == END_OF_DAY:
        return 0.0, 24.0
    months = amount * (12 if unit == "y" else 1)
    start = datetime(2024, 1, 1)  # calendar arithmetic only: no time zone needed
    lengths = [
        (add_months(day, months) - day).total_seconds() / 3600
        for day in (start + timedelta(days=n) for n in range(4 * 365 + 1))
    ]
    return min(lengths), max(lengths)
