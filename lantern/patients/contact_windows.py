"""Safe contact time windows: pure functions over plain data.

A window is ``{"days": [0..6], "start": "HH:MM", "end": "HH:MM"}`` with Monday = 0, in the
clinic's local time. A channel with no windows has no time restriction recorded.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

Window = dict[str, Any]


def window_from_values(days: Iterable[int], start: datetime.time, end: datetime.time) -> Window:
    chosen = sorted(set(days))
    if not chosen or chosen[0] < 0 or chosen[-1] > 6:
        raise ValueError("days must be 0 (Monday) to 6 (Sunday), at least one")
    if start == end:
        raise ValueError("a window must have a length")
    return {"days": chosen, "start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")}


def windows_from_rows(rows: Sequence[Mapping[str, Any]]) -> list[Window]:
    """Windows from cleaned form rows, skipping rows left empty."""
    return [
        window_from_values(row["days"], row["start"], row["end"])
        for row in rows
        if row.get("days") and row.get("start") and row.get("end")
    ]


def rows_from_windows(windows: Sequence[Window]) -> list[dict[str, Any]]:
    return [
        {
            "days": list(window["days"]),
            "start": datetime.time.fromisoformat(window["start"]),
            "end": datetime.time.fromisoformat(window["end"]),
        }
        for window in windows
    ]


def is_open(windows: Sequence[Mapping[str, Any]], when: datetime.datetime) -> bool:
    """Whether ``when`` (clinic local time) falls inside any window; no windows = no limit.

    A window that ends earlier than it starts runs past midnight: "Friday 22:00-02:00"
    covers Friday night until 2 in the morning on Saturday.
    """
    if not windows:
        return True
    moment = when.strftime("%H:%M")
    day, yesterday = when.weekday(), (when.weekday() - 1) % 7
    for window in windows:
        start, end = window["start"], window["end"]
        if start < end:
            if day in window["days"] and start <= moment < end:
                return True
        elif (day in window["days"] and moment >= start) or (
            yesterday in window["days"] and moment < end
        ):
            return True
    return False


def next_open(
    windows: Sequence[Mapping[str, Any]], now: datetime.datetime, tz: datetime.tzinfo
) -> datetime.datetime | None:
    """The earliest moment at or after ``now`` inside a window (``now`` when open or when
    no window is recorded); ``None`` only if the windows never open."""
    local = now.astimezone(tz)
    if is_open(windows, local.replace(tzinfo=None)):
        return now
    candidates = []
    for ahead in range(8):  # a week ahead and today's remainder
        day = local.date() + datetime.timedelta(days=ahead)
        for window in windows:
            if day.weekday() not in window["days"]:
                continue
            start = datetime.time.fromisoformat(window["start"])
            # Through UTC: a wall time a clock change skips becomes the real moment after.
            moment = datetime.datetime.combine(day, start, tzinfo=tz).astimezone(datetime.UTC)
            moment = moment.astimezone(tz)
            if moment > now and is_open(windows, moment.replace(tzinfo=None)):
                candidates.append(moment)
    return min(candidates) if candidates else None
