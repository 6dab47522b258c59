"""Countdowns for urgent windows, in words staff read: "nPEP window closes in 14 h (Tue 19:00)".

Used on the visit page before a plan exists (from the pure planner's activities), and for
every open urgent activity of a plan on the patient's chart, the care plan, the worklist and
the start page. A window counted from an exposure whose time is unknown has no real
deadline: it never counts down, it says "Exposure time unknown: decide now" and comes first.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lantern.careplans import protocols

if TYPE_CHECKING:
    from lantern.careplans.models import Activity

WINDOW_NAMES = {
    "hiv-npep": gettext_lazy("nPEP window"),
    "emergency-contraception": gettext_lazy("Emergency contraception window"),
    "sti-prophylaxis": gettext_lazy("STI prophylaxis window"),
}


def window_name(code: str, title: str) -> str:
    name = WINDOW_NAMES.get(code)
    return str(name) if name is not None else title


def when(moment: datetime.datetime) -> str:
    """Weekday and time in the clinic's time zone, e.g. "Tue 19:00"."""
    return date_format(timezone.localtime(moment), "D H:i")


def time_left(latest: datetime.datetime, now: datetime.datetime) -> str:
    """How long until ``latest``: minutes under an hour, hours under two days, else days."""
    seconds = (latest - now).total_seconds()
    if seconds < 3600:
        return _("%(minutes)s min") % {"minutes": max(int(seconds // 60), 0)}
    hours = int(seconds // 3600)
    if hours < 48:
        return _("%(hours)s h") % {"hours": hours}
    return _("%(days)s days") % {"days": hours // 24}


DECIDE_NOW = gettext_lazy("Exposure time unknown: decide now")


def decide_now(code: str, title: str) -> str:
    """ "nPEP window: Exposure time unknown: decide now"."""
    return _("%(window)s — %(decide)s") % {
        "window": window_name(code, title),
        "decide": DECIDE_NOW,
    }


def urgent_text(activity: Activity, now: datetime.datetime) -> str:
    """What an open urgent activity shows: "decide now", or its countdown."""
    if activity.exposure_unknown:
        return decide_now(activity.code, str(activity.title))
    return countdown(activity.code, str(activity.title), activity.latest or activity.due, now)


def urgent_first(activity: Activity) -> tuple[bool, datetime.datetime]:
    """Sort key for urgent activities: exposure time unknown first, then the soonest closing."""
    return (not activity.exposure_unknown, activity.latest or activity.due)


def countdown(code: str, title: str, latest: datetime.datetime, now: datetime.datetime) -> str:
    """ "nPEP window closes in 14 h (Tue 19:00)", or that it has closed."""
    name = window_name(code, title)
    if latest <= now:
        return _("%(window)s closed %(when)s") % {"window": name, "when": when(latest)}
    return _("%(window)s closes in %(left)s (%(when)s)") % {
        "window": name,
        "left": time_left(latest, now),
        "when": when(latest),
    }


@dataclass(frozen=True)
class UrgentWindow:
    code: str
    text: str  # the countdown
    rationale: str
    exposure_unknown: bool
    closed: bool


def plan_windows(plan: protocols.Plan, now: datetime.datetime | None = None) -> list[UrgentWindow]:
    """Every urgent window of a (not yet stored) plan, soonest-closing first, then the
    windows that had already closed before the assessment."""
    now = now or timezone.now()
    found = []
    for activity in sorted(plan.activities, key=lambda a: not a.exposure_unknown):
        if not activity.urgent:
            continue
        if activity.exposure_unknown:
            text = decide_now(activity.code, activity.title)
        else:
            text = countdown(activity.code, activity.title, activity.latest, now)
        found.append(
            UrgentWindow(activity.code, text, activity.rationale, activity.exposure_unknown, False)
        )
    for closed in plan.closed:
        if closed.code in WINDOW_NAMES:
            text = countdown(closed.code, closed.title, closed.latest, now)
            found.append(UrgentWindow(closed.code, text, "", False, True))
    return found
