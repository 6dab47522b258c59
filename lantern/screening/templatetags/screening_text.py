from __future__ import annotations

from collections.abc import Mapping

from django import template
from django.utils.translation import get_language

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
def instrument_title(instrument_id: str) -> str:
    try:
        instrument = instruments.get_instrument(instrument_id)
    except KeyError:
        return instrument_id
    return in_language(instrument.title)
