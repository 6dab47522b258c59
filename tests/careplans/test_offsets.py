"""Offsets: elapsed hours, calendar months cut to the month's end, the end of the day."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from lantern.careplans.protocols.offsets import OffsetError, parse_offset

EDT = timezone(timedelta(hours=-4))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize(
    ("offset", "start", "end"),
    [
        ("72h", "2026-03-09T10:00:00-04:00", "2026-03-12T10:00:00-04:00"),
        ("5d", "2026-03-09T10:00:00-04:00", "2026-03-14T10:00:00-04:00"),
        ("4w", "2026-03-09T10:00:00-04:00", "2026-04-06T10:00:00-04:00"),
        ("1mo", "2026-01-31T10:00:00-05:00", "2026-02-28T10:00:00-05:00"),
        ("1mo", "2028-01-31T10:00:00-05:00", "2028-02-29T10:00:00-05:00"),
        ("3mo", "2026-11-30T10:00:00-05:00", "2027-02-28T10:00:00-05:00"),
        ("12mo", "2026-03-09T10:00:00-04:00", "2027-03-09T10:00:00-04:00"),
        ("1y", "2028-02-29T10:00:00-05:00", "2029-02-28T10:00:00-05:00"),
        ("eod", "2026-03-09T10:00:00-04:00", "2026-03-09T23:59:59-04:00"),
        ("eod", "2026-03-09T23:59:59.500000-04:00", "2026-03-09T23:59:59.500000-04:00"),
        ("0h", "2026-03-09T10:00:00-04:00", "2026-03-09T10:00:00-04:00"),
    ],
)
def test_offsets_after_a_moment(offset, start, end):
    assert parse_offset(offset).after(at(start)) == at(end)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("3 weeks", "'3 weeks' is not an offset"),
        ("-1d", "'-1d' is not an offset"),
        ("01d", "'01d' is not an offset"),
        ("1.5d", "'1.5d' is not an offset"),
        ("2m", "'2m' is not an offset"),
        ("121mo", "'121mo' is more than ten years ahead"),
        (3, "must be a text offset"),
    ],
)
def test_bad_offsets(text, reason):
    with pytest.raises(OffsetError) as error:
        parse_offset(text)
    assert str(error.value).startswith(reason)


@pytest.mark.parametrize(
    ("first", "second", "at_most"),
    [
        ("4w", "1mo", True),  # 28 days is never more than a month
        ("1mo", "4w", False),  # a month can be 31 days
        ("1mo", "31d", True),
        ("1mo", "2mo", True),
        ("12mo", "1y", True),  # the same length, to the day
        ("1y", "365d", False),  # a leap year is longer
        ("eod", "1d", True),
        ("0h", "eod", True),
        ("1h", "eod", False),  # an assessment at 23:30 has half an hour left that day
    ],
)
def test_comparing_offsets_of_different_units(first, second, at_most):
    assert parse_offset(first).at_most(parse_offset(second)) is at_most


def test_offsets_keep_their_text():
    assert [str(parse_offset(t)) for t in ("72h", "3mo", "eod")] == ["72h", "3mo", "eod"]
