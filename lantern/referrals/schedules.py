"""Opening hours: reading HSDS schedules, and "open now" as a database filter.

HSDS writes hours as an iCalendar-like rule (``freq``, ``byday``, ``opens_at``,
``closes_at``, ...). Lantern reads weekly rules when a schedule is stored and keeps the
result in plain columns (``derived``); anything it cannot read is never "open now" rather
than guessed. Times are the service's local time: the schedule's own UTC offset (HSDS
``timezone``) when it gives one, otherwise the clinic's time zone (``LANTERN_TIME_ZONE``).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from typing import Any

from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_LABELS = (_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun"))
MIDNIGHT = 24 * 60
DERIVED_FIELDS = (
    "open_days",
    "opens_minute",
    "closes_minute",
    "utc_offset_minutes",
    "valid_from_date",
    "valid_to_date",
)
_TIME = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::\d{2}(?:\.\d+)?)?")
# For each weekday, every day set (0..127) that includes it: bit tests without SQL bit ops.
_SETS_WITH = tuple(tuple(days for days in range(128) if days & (1 << day)) for day in range(7))


def minutes(value: str) -> int | None:
    """Minutes after midnight of an HSDS time ("09:00", "17:30:00"), or None."""
    found = _TIME.match(value or "")
    if not found:
        return None
    hours, mins = int(found.group(1)), int(found.group(2))
    if hours > 24 or mins > 59 or (hours == 24 and mins):
        return None
    return hours * 60 + mins


def _date(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat((value or "")[:10])
    except ValueError:
        return None


def days_of(byday: str, freq: str, dtstart: str) -> int:
    """The weekdays of a weekly rule as bits (Monday = 1); 0 when the rule is not weekly."""
    if freq.upper() not in {"WEEKLY", ""}:
        return 0
    bits = 0
    for part in (byday or "").upper().split(","):
        code = part.strip()
        if code in DAY_CODES:
            bits |= 1 << DAY_CODES.index(code)
    if not bits and freq.upper() == "WEEKLY" and (start := _date(dtstart)):
        bits = 1 << start.weekday()
    return bits


def derived(fields: dict[str, Any]) -> dict[str, Any]:
    """Lantern's reading of one schedule's HSDS fields (see ``Schedule``)."""
    opens, closes = minutes(fields.get("opens_at", "")), minutes(fields.get("closes_at", ""))
    days = days_of(fields.get("byday", ""), fields.get("freq", ""), fields.get("dtstart", ""))
    if opens is None or closes is None or not days:
        days, opens, closes = 0, None, None
    else:
        if closes in (0, MIDNIGHT - 1):  # "00:00" or "23:59" as a closing time: midnight
            closes = MIDNIGHT
        if opens == closes:  # the same opening and closing time: around the clock
            opens, closes = 0, MIDNIGHT
    offset = fields.get("timezone")
    return {
        "open_days": days,
        "opens_minute": opens,
        "closes_minute": closes,
        "utc_offset_minutes": None if offset is None else round(float(offset) * 60),
        "valid_from_date": _date(fields.get("valid_from", "")),
        "valid_to_date": _date(fields.get("valid_to", "")),
    }


def _open_at(local: datetime.datetime) -> Q:
    """Schedules (in one time zone) open at the local time ``local``."""
    day, minute = local.weekday(), local.hour * 60 + local.minute
    today, yesterday = _SETS_WITH[day], _SETS_WITH[(day - 1) % 7]
    same_day = Q(opens_minute__lte=minute, closes_minute__gt=minute, open_days__in=today)
    overnight = Q(closes_minute__lt=F("opens_minute")) & (
        Q(open_days__in=today, opens_minute__lte=minute)
        | Q(open_days__in=yesterday, closes_minute__gt=minute)
    )
    valid = (Q(valid_from_date__isnull=True) | Q(valid_from_date__lte=local.date())) & (
        Q(valid_to_date__isnull=True) | Q(valid_to_date__gte=local.date())
    )
    return (same_day | overnight) & valid


def open_now(offsets: Iterable[int], now: datetime.datetime | None = None) -> Q:
    """A filter on ``Schedule`` for rules open at ``now``.

    ``offsets`` are the distinct UTC offsets (minutes) that schedules of the directory state
    themselves; the others are read in the clinic's time zone.
    """
    moment = now or timezone.now()
    condition = Q(utc_offset_minutes__isnull=True) & _open_at(timezone.localtime(moment))
    utc = moment.astimezone(datetime.UTC)
    for offset in sorted(set(offsets)):
        local = utc + datetime.timedelta(minutes=offset)
        condition |= Q(utc_offset_minutes=offset) & _open_at(local)
    return condition


def _clock(minute: int) -> str:
    return "24:00" if minute >= MIDNIGHT else f"{minute // 60:02d}:{minute % 60:02d}"


def hours_text(open_days: int, opens_minute: int | None, closes_minute: int | None) -> str:
    """A short summary of weekly hours, e.g. "Mon, Tue, Wed 09:00-17:00"; "" when unknown."""
    if not open_days or opens_minute is None or closes_minute is None:
        return ""
    days = [str(DAY_LABELS[day]) for day in range(7) if open_days & (1 << day)]
    if opens_minute == 0 and closes_minute >= MIDNIGHT:
        span = str(_("24 hours"))
    else:
        span = f"{_clock(opens_minute)}\N{EN DASH}{_clock(closes_minute)}"
    every_day = len(days) == len(DAY_CODES)
    return f"{_('Every day') if every_day else ', '.join(days)} {span}"
