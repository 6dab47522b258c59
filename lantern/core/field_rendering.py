"""A form field with its label, help, errors and widget, written out in Python.

Every form on Lantern's pages shows its fields the same way (``includes/field.html``): a
label tied to its input, the help and the errors the input points to, a fieldset with a
legend for a group of radio buttons or checkboxes. The visit page shows dozens of fields,
and including that template for each one cost more than the rest of the page's templates.
``field_html`` writes the same HTML, to the character, with the same escaping; the
template stays as the reference it is checked against (``tests/test_field_rendering.py``,
field by field in both languages and on every page that shows a form).
"""

from __future__ import annotations

from django.forms import BoundField
from django.template import Context
from django.template.base import render_value_in_context
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

REFERENCE = "includes/field.html"
_CONTEXT = Context()  # a page's defaults: autoescape on, localization as in settings


def _shown(value: object) -> str:
    """``{{ value }}``."""
    return str(render_value_in_context(value, _CONTEXT))


def _required_mark(field: BoundField) -> str:
    """`` <span class="required">(required)</span>`` unless the form hides the marks."""
    if not field.field.required or getattr(field.form, "hide_required_marks", False):
        return ""
    # {% translate "required" %}: a template literal is safe text, and so is its translation.
    required = _shown(gettext(mark_safe("required"))).replace("%%", "%")
    return f' <span class="required">({required})</span>'


def _help(field: BoundField) -> str:
    if not field.help_text:
        return ""
    return f'<p class="help" id="{_shown(field.auto_id)}_helptext">{_shown(field.help_text)}</p>'


def _errors(field: BoundField) -> str:
    errors = field.errors
    if not errors:
        return ""
    shown = "".join(f"<li>{_shown(error)}</li>" for error in errors)
    return f'<ul class="errors" id="{_shown(field.auto_id)}_error">{shown}</ul>'


def _error_class(field: BoundField) -> str:
    return " field--error" if field.errors else ""


def _choices(field: BoundField) -> str:
    """Radio buttons or checkboxes: a fieldset, its legend, each choice in its own label."""
    described = field.aria_describedby
    described_by = f' aria-describedby="{_shown(described)}"' if described else ""
    choices = "".join(
        f'<label class="choice" for="{_shown(choice.id_for_label)}">'
        f"{_shown(choice.tag())} {_shown(choice.choice_label)}</label>"
        for choice in field
    )
    return (
        f'\n<fieldset id="{_shown(field.auto_id)}" tabindex="-1" '
        f'class="field field--choices{_error_class(field)}"{described_by}>\n'
        f"  <legend>{_shown(field.label)}{_required_mark(field)}</legend>\n"
        f"  {_help(field)}\n"
        f"  {_errors(field)}\n"
        f'  <div class="choices">{choices}</div>\n'
        "</fieldset>\n"
    )


def _checkbox(field: BoundField) -> str:
    return (
        f'\n<div class="field field--checkbox{_error_class(field)}">\n'
        f"  {_errors(field)}\n"
        f"  {_shown(field)}\n"
        f'  <label for="{_shown(field.id_for_label)}">{_shown(field.label)}</label>\n'
        f"  {_help(field)}\n"
        "</div>\n"
    )


def _single(field: BoundField) -> str:
    return (
        f'\n<div class="field{_error_class(field)}">\n'
        f'  <label for="{_shown(field.id_for_label)}">'
        f"{_shown(field.label)}{_required_mark(field)}</label>\n"
        f"  {_help(field)}\n"
        f"  {_errors(field)}\n"
        f"  {_shown(field)}\n"
        "</div>\n"
    )


def field_html(field: BoundField) -> SafeString:
    """``{% include "includes/field.html" %}`` for ``field``, to the character."""
    if field.is_hidden:
        body = f"{_shown(field)}\n"
    elif field.widget_type in {"radioselect", "checkboxselectmultiple"}:
        body = _choices(field)
    elif field.widget_type == "checkbox":
        body = _checkbox(field)
    else:
        body = _single(field)
    return mark_safe(f"\n{body}\n\n")  # noqa: S308 (every part escaped as the template does)
