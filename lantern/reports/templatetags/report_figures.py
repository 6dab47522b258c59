"""How a report figure is written: the number, or "withheld" for a withheld one."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def figure(value: int | None) -> SafeString:
    if value is None:
        return format_html('<span class="withheld">{}</span>', _("withheld"))
    return format_html("{}", value)
