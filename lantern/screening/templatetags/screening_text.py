from __future__ import annotations

from collections.abc import Mapping

from django import template
from django.utils.translation import get_language

from lantern.screening import instruments

register = template.Library()


@register.filter
def in_language(text: Mapping[str, str] | None, language: str = "") -> str:
    """Text from an instrument file in the given (or the current) language, else English."""
    if not text:
        return ""
    language = language or get_language() or "en"
    return text.get(language) or text.get(language.split("-")[0]) or text.get("en", "")


@register.filter
def instrument_title(instrument_id: str) -> str:
    try:
        instrument = instruments.get_instrument(instrument_id)
    except KeyError:
        return instrument_id
    return in_language(instrument.title)
