"""Safe contact windows are plain data and pure functions."""

from __future__ import annotations

import datetime

import pytest

from lantern.patients import contact_windows

WEEKDAY_MORNINGS = [{"days": [0, 1, 2, 3, 4], "start": "09:00", "end": "12:00"}]


@pytest.mark.parametrize(
    ("when", "open_"),
    [
        (datetime.datetime(2026, 11, 23, 9, 0), True),  # Monday, window opens
        (datetime.datetime(2026, 11, 23, 11, 59), True),
        (datetime.datetime(2026, 11, 23, 12, 0), False),  # window closed
        (datetime.datetime(2026, 11, 23, 8, 59), False),
        (datetime.datetime(2026, 11, 28, 10, 0), False),  # Saturday
    ],
)
def test_a_moment_is_inside_a_window_only_on_its_days_and_hours(when, open_):
    assert contact_windows.is_open(WEEKDAY_MORNINGS, when) is open_


def test_no_windows_recorded_means_no_time_limit():
    assert contact_windows.is_open([], datetime.datetime(2026, 11, 28, 3, 0))


def test_form_rows_become_windows_and_back():
    rows = [
        {"days": [4, 0], "start": datetime.time(9), "end": datetime.time(12)},
        {"days": [], "start": None, "end": None},
    ]
    windows = contact_windows.windows_from_rows(rows)
    assert windows == [{"days": [0, 4], "start": "09:00", "end": "12:00"}]
    assert contact_windows.rows_from_windows(windows) == [
        {"days": [0, 4], "start": datetime.time(9), "end": datetime.time(12)}
    ]


@pytest.mark.parametrize(
    ("days", "start", "end", "message"),
    [
        ([7], datetime.time(9), datetime.time(10), "0 \\(Monday\\) to 6"),
        ([], datetime.time(9), datetime.time(10), "at least one"),
        ([1], datetime.time(9), datetime.time(9), "have a length"),
    ],
)
def test_impossible_windows_are_refused(days, start, end, message):
    with pytest.raises(ValueError, match=message):
        contact_windows.window_from_values(days, start, end)


OVERNIGHT = [{"days": [4], "start": "22:00", "end": "02:00"}]  # Friday night


@pytest.mark.parametrize(
    ("when", "open_"),
    [
        (datetime.datetime(2026, 11, 27, 22, 30), True),  # Friday 22:30
        (datetime.datetime(2026, 11, 28, 1, 59), True),  # Saturday 01:59, same window
        (datetime.datetime(2026, 11, 28, 2, 0), False),
        (datetime.datetime(2026, 11, 27, 1, 0), False),  # Friday early morning: Thursday's night
        (datetime.datetime(2026, 11, 28, 22, 30), False),  # Saturday night
    ],
)
def test_a_window_past_midnight_covers_the_early_hours_of_the_next_day(when, open_):
    assert contact_windows.is_open(OVERNIGHT, when) is open_
