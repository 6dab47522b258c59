"""``{% form_field field %}``: a form field as ``includes/field.html`` shows it, written in
Python (``lantern.core.field_rendering``)."""

from __future__ import annotations

from django import template
from django.forms import BoundField
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

from lantern.core.field_rendering import REFERENCE, field_html

register = template.Library()


@register.simple_tag
def form_field(field: object) -> SafeString:
    if isinstance(field, BoundField):
        return field_html(field)
    # Not a field (a name the form does not have): whatever the template makes of it.
    return mark_safe(get_template(REFERENCE).render({"field": field}))  # noqa: S308  # nosec B308 B703
