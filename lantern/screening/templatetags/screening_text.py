from __future__ import annotations

from collections.abc import Mapping

from django import template
from django.utils.text import get_text_list
from django.utils.translation import get_language, gettext, ngettext

from lantern.screening import decision_support, instruments

register = template.Library()


@register.filter
def in_language(text: Mapping[str, str] | None, language: str = "") -> str:
    """Text from an instrument file in the given (or the current) language, else English."""
    return instruments.text_in(text, language or get_language() or "en")


@register.filter
def needs_acknowledgement(flag: Mapping[str, object]) -> bool:
    return decision_support.needs_acknowledgement(flag)


@register.filter
def raises_concern(result: object) -> bool:
    """A decision-support checklist with a sign that raises a concern (key or labour sign)."""
    summary = getattr(result, "summary", None) or {}
    return any(flag.get("severity") == "concern" for flag in summary.get("flags", []))


@register.filter
def instrument_title(instrument_id: str) -> str:
    try:
        instrument = instruments.get_instrument(instrument_id)
    except KeyError:
        return instrument_id
    return in_language(instrument.title)


def _numbers(result: object, key: str) -> list[str]:
    """The questions of ``summary[key]``, numbered as they are asked."""
    summary = getattr(result, "summary", None) or {}
    link_ids = summary.get(key) or []
    try:
        instrument = instruments.get_instrument(str(getattr(result, "instrument_id", "")))
    except KeyError:
        return [str(link_id) for link_id in link_ids]
    asked = [item.link_id for item in instrument.items if item.answerable]
    return [str(asked.index(i) + 1) if i in asked else str(i) for i in link_ids]


@register.filter
def declined_questions(result: object) -> str:
    """ "Question 9 declined" / "Questions 1, 2, 3 and 4 declined", numbered as asked."""
    numbers = _numbers(result, "declined")
    if not numbers:
        return ""
    return ngettext(
        "Question %(numbers)s declined", "Questions %(numbers)s declined", len(numbers)
    ) % {"numbers": get_text_list(numbers, gettext("and"))}


@register.filter
def unanswered_questions(result: object) -> str:
    """ "Questions 4, 5 and 6 not answered": left open on a tablet taken back early."""
    numbers = _numbers(result, "unanswered")
    if not numbers:
        return ""
    return ngettext(
        "Question %(numbers)s not answered", "Questions %(numbers)s not answered", len(numbers)
    ) % {"numbers": get_text_list(numbers, gettext("and"))}
