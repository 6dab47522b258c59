"""Input rules shared by every form: plain text only, of a sensible length."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ALLOWED_CONTROL = frozenset("\n\r\t")
# Zero-width (non-)joiners are part of correct spelling in Persian, Hindi and other scripts.
JOINERS = frozenset("\u200c\u200d")


def reject_control_characters(value: str) -> None:
    """Refuse invisible control and formatting characters (NUL, escape, bidi overrides)."""
    for char in value:
        if char in ALLOWED_CONTROL or char in JOINERS:
            continue
        if unicodedata.category(char) in {"Cc", "Cf", "Cs", "Co", "Cn"}:
            raise ValidationError(
                _("Remove the invisible control character (code %(code)s)."),
                code="control_character",
                params={"code": f"U+{ord(char):04X}"},
            )


def reject_line_breaks(value: str) -> None:
    if "\n" in value or "\r" in value:
        raise ValidationError(_("This must fit on one line."), code="line_break")
