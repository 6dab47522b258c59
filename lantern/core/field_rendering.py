"""A form field with its label, help, errors and widget, written out in Python.

Every form on Lantern's pages shows its fields the same way (``includes/field.html``): a
label tied to its input, the help and the errors the input points to, a fieldset with a
legend for a group of radio buttons or checkboxes. The visit page shows dozens of fields,
and including that template for each one took about a quarter of the page's server time.
``field_html`` writes the same HTML, to the character, with the same escaping; the
template stays as the reference it is checked against (``tests/test_field_rendering.py``,
field by field in both languages and on every page that shows a form).
"""

from __future__ import annotations

from django.forms import BoundField
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from lantern.core.form_rendering import shown

REFERENCE = "includes/field.html"


def _required_mark(field: BoundField) -> str:
    """`` <span class="required">(required)</span>`` unless the form hides the marks."""
    if not field.field.required or getattr(field.form, "hide_required_marks", False):
        return ""
    # {% translate "required" %}: a template literal is safe text, and so is its translation.
    required = shown(gettext(mark_safe("required"))).replace("%%", "%")  # a literal  # nosec B308 B703
    return f' <span class="required">({required})</span>'


def _help(field: BoundField) -> str:
    if not field.help_text:
        return ""
    return f'<p class="help" id="{shown(field.auto_id)}_helptext">{shown(field.help_text)}</p>'


def _errors(field: BoundField) -> str:
    errors = field.errors
    if not errors:
        return ""
    items = "".join(f"<li>{shown(error)}</li>" for error in errors)
    return f'<ul class="errors" id="{shown(field.auto_id)}_error">{items}</ul>'


def _error_class(field: BoundField) -> str:
    return " field--error" if field.errors else ""


def _choices(field: BoundField) -> str:
    """Radio buttons or checkboxes: a fieldset, its legend, each choice in its own label."""
    described = field.aria_describedby
    described_by = f' aria-describedby="{shown(described)}"' if described else ""
    choices = "".join(
        f'<label class="choice" for="{shown(choice.id_for_label)}">'
        f"{shown(choice.tag())} {shown(choice.choice_label)}</label>"
        for choice in field
    )
    return (
        f'\n<fieldset id="{shown(field.auto_id)}" tabindex="-1" '
        f'class="field field--choices{_error_class(field)}"{described_by}>\n'
        f"  <legend>{shown(field.label)}{_required_mark(field)}</legend>\n"
        f"  {_help(field)}\n"
        f"  {_errors(field)}\n"
        f'  <div class="choices">{choices}</div>\n'
        "</fieldset>\n"
    )


def _checkbox(field: BoundField) -> str:
    return (
        f'\n<div class="field field--checkbox{_error_class(field)}">\n'
        f"  {_errors(field)}\n"
        f"  {shown(field)}\n"
        f'  <label for="{shown(field.id_for_label)}">{shown(field.label)}</label>\n'
        f"  {_help(field)}\n"
        "</div>\n"
    )


def _single(field: BoundField) -> str:
    return (
        f'\n<div class="field{_error_class(field)}">\n'
        f'  <label for="{shown(field.id_for_label)}">'
        f"{shown(field.label)}{_required_mark(field)}</label>\n"
        f"  {_help(field)}\n"
        f"  {_errors(field)}\n"
        f"  {shown(field)}\n"
        "</div>\n"
    )


def field_html(field: BoundField) -> SafeString:
    """``{% include "includes/field.html" %}`` for ``field``, to the character."""
    if field.is_hidden:
        body = f"{shown(field)}\n"
    elif field.widget_type in {"radioselect", "checkboxselectmultiple"}:
        body = _choices(field)
    elif field.widget_type == "checkbox":
        body = _checkbox(field)
    else:
        body = _single(field)
    return mark_safe(f"\n{body}\n\n")  # noqa: S308 (every part escaped as the template does)  # nosec B308 B703
