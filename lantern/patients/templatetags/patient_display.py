from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from lantern.patients.forms import WEEKDAYS

register = template.Library()


@register.filter
def describe_windows(windows: list[dict[str, Any]]) -> str:
    """Safe time windows as "Monday, Tuesday 09:00-12:00; ..." in the reader's language."""
    if not windows:
        return _("No time limits recorded")
    names = dict(WEEKDAYS)
    parts = []
    for window in windows:
        days = ", ".join(str(names[day]) for day in window["days"])
        parts.append(f"{days} {window['start']}\u2013{window['end']}")
    return "; ".join(parts)
