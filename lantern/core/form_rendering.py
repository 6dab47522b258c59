"""Form widgets written out in Python, to the character what Django's widget templates give.

A visit page shows a few hundred radio buttons and options. Django renders each through its
own small templates (the input, its attributes, its option, its label, each an include), and
that machinery cost more than everything else on the page together. ``FormRenderer`` writes
the standard widgets (``django/forms/widgets/``) directly, with the same escaping and
formatting the templates apply; any other template, and any widget whose template a form
changes, is rendered by Django's template engine as before. ``tests/test_form_rendering.py``
checks both ways give the same HTML, widget by widget and on whole pages.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.http import HttpRequest
from django.template import Context
from django.template.base import render_value_in_context
from django.template.defaultfilters import stringformat
from django.utils.html import escape
from django.utils.safestring import SafeData, SafeString

WIDGETS = "django/forms/widgets/"
# Default values (autoescape on, localization and time zones as in settings), as a page has.
_CONTEXT = Context()

Widget = Mapping[str, Any]  # the ``widget`` of a widget template's context


def shown(value: object) -> str:
    """``{{ value }}``: localized, and escaped unless it is safe already."""
    # Plain and safe text are most of what a page shows; the template engine would only
    # escape the one and keep the other, so they skip its checks for dates and numbers.
    if type(value) is str:
        return escape(value)
    if type(value) is SafeString:
        return value
    return str(render_value_in_context(value, _CONTEXT))


def _formatted(value: object) -> str:
    """``{{ value|stringformat:'s' }}`` (safe text stays as it is, as the filter keeps it)."""
    text = stringformat(value, "s")
    return text if isinstance(value, SafeData) else escape(text)


def _attrs(attrs: Mapping[str, Any]) -> str:
    """``attrs.html``."""
    return "".join(
        f" {shown(name)}" + ("" if value is True else f'="{_formatted(value)}"')
        for name, value in attrs.items()
        if value is not False
    )


def _input(widget: Widget, renderer: FormRenderer) -> str:
    """``input.html`` (its final line break included, as an include of it gives)."""
    value = widget["value"]
    given = f' value="{_formatted(value)}"' if value is not None else ""
    return (
        f'<input type="{shown(widget["type"])}" name="{shown(widget["name"])}"'
        f"{given}{_attrs(widget['attrs'])}>\n"
    )


def _input_option(widget: Widget, renderer: FormRenderer) -> str:
    """``input_option.html``: one radio button or checkbox, in its label when it is wrapped."""
    if not widget["wrap_label"]:
        return _input(widget, renderer) + "\n"
    label_for = f' for="{shown(widget["attrs"]["id"])}"' if widget["attrs"].get("id") else ""
    return f"<label{label_for}>{_input(widget, renderer)} {shown(widget['label'])}</label>\n"


def _option_of_choices(widget: Widget, renderer: FormRenderer) -> str:
    """``radio_option.html`` and ``checkbox_option.html``: an include of ``input_option``."""
    return _input_option(widget, renderer) + "\n"


def _select_option(widget: Widget, renderer: FormRenderer) -> str:
    return (
        f'<option value="{_formatted(widget["value"])}"{_attrs(widget["attrs"])}>'
        f"{shown(widget['label'])}</option>\n"
    )


def _option(option: Widget, renderer: FormRenderer) -> str:
    """``{% include option.template_name with widget=option %}``."""
    return renderer.render_part(option["template_name"], option)


def _select(widget: Widget, renderer: FormRenderer) -> str:
    parts = [f'<select name="{shown(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{shown(group_name)}">')
        parts.extend(f"\n  {_option(option, renderer)}" for option in group_choices)
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>\n")
    return "".join(parts)


def _multiple_input(widget: Widget, renderer: FormRenderer) -> str:
    """``multiple_input.html``: radio buttons or checkboxes, each in its own ``div``."""
    attrs = widget["attrs"]
    parts = ["<div"]
    if attrs.get("id"):
        parts.append(f' id="{shown(attrs["id"])}"')
    if attrs.get("class"):
        parts.append(f' class="{shown(attrs["class"])}"')
    parts.append(">")
    for group, options, _index in widget["optgroups"]:
        if group:
            parts.append(f"\n  <div><label>{shown(group)}</label>")
        parts.extend(f"<div>\n    {_option(option, renderer)}</div>" for option in options)
        if group:
            parts.append("\n  </div>")
    parts.append("\n</div>\n")
    return "".join(parts)


def _textarea(widget: Widget, renderer: FormRenderer) -> str:
    value = widget["value"]
    return (
        f'<textarea name="{shown(widget["name"])}"{_attrs(widget["attrs"])}>\n'
        f"{shown(value) if value else ''}</textarea>\n"
    )


def _included(part: Callable[[Widget, FormRenderer], str]) -> Callable[[Widget, FormRenderer], str]:
    """A template that only includes ``part``, and ends in a line break of its own."""
    return lambda widget, renderer: part(widget, renderer) + "\n"


# The templates that are only an include of ``input.html``.
INPUTS = ["text", "number", "email", "url", "password", "hidden", "date", "datetime", "time"]
INPUTS += ["search", "tel", "color", "checkbox", "file"]

PARTS: dict[str, Callable[[Widget, FormRenderer], str]] = {
    f"{WIDGETS}input.html": _input,
    **{f"{WIDGETS}{name}.html": _included(_input) for name in INPUTS},
    f"{WIDGETS}input_option.html": _input_option,
    f"{WIDGETS}radio_option.html": _option_of_choices,
    f"{WIDGETS}checkbox_option.html": _option_of_choices,
    f"{WIDGETS}select.html": _select,
    f"{WIDGETS}select_option.html": _select_option,
    f"{WIDGETS}multiple_input.html": _multiple_input,
    f"{WIDGETS}radio.html": _included(_multiple_input),
    f"{WIDGETS}checkbox_select.html": _included(_multiple_input),
    f"{WIDGETS}textarea.html": _textarea,
}


class FormRenderer(DjangoTemplates):
    """Django's template renderer, with the standard widgets written out directly."""

    def render(
        self, template_name: str, context: dict[str, Any], request: HttpRequest | None = None
    ) -> str:
        part = PARTS.get(template_name)
        if part is None or request is not None or set(context) != {"widget"}:
            return super().render(template_name, context, request)
        return part(context["widget"], self).strip()

    def render_part(self, template_name: str, widget: Widget) -> str:
        """``template_name`` as an include gives it: unstripped."""
        part = PARTS.get(template_name)
        if part is None:
            return str(self.get_template(template_name).render({"widget": widget}))
        return part(widget, self)
