from __future__ import annotations

from django import template

from lantern.training.catalogue import Text, text_in

register = template.Library()


@register.filter(name="in_language")
def in_language(text: Text, language: str) -> str:
    """A module's text in ``language`` (English where the module lacks it)."""
    return text_in(text, language)
