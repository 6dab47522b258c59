"""Countdowns for urgent windows, in words staff read: "nPEP window closes in 14 h (Tue 19:00)".

Used on the visit page before a plan exists (from the pure planner's activities) and on the
patient's chart for every open urgent activity of the plan.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lantern.careplans import protocols

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
    unknown = plan.facts.exposure_at is None
    found = []
    for activity in plan.activities:
        if not activity.urgent:
            continue
        if unknown:
            text = _("%(window)s: the exposure time is unknown, decide now") % {
                "window": window_name(activity.code, activity.title)
            }
        else:
            text = countdown(activity.code, activity.title, activity.latest, now)
        found.append(UrgentWindow(activity.code, text, activity.rationale, unknown, False))
    for closed in plan.closed:
        if closed.code in WINDOW_NAMES:
            text = countdown(closed.code, closed.title, closed.latest, now)
            found.append(UrgentWindow(closed.code, text, "", False, True))
    return found
