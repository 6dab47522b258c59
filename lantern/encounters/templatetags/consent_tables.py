"""The visit page's consent tables, row by row, written in Python.

A visit in which the patient decided on each scope shows a row per scope and a row per
decision in its history, each with dates, names, labels and a withdrawal form; the template
loops over them cost more than the rest of the consent section. ``{% consent_now_rows %}``
and ``{% consent_history_rows %}`` write what ``encounters/_consent_now_rows.html`` and
``encounters/_consent_history_rows.html`` write, to the character (checked by
``tests/encounters/test_consent_tables.py``, for every state and in both languages).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django import template
from django.template.context import Context
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils.encoding import force_str
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]
from django.utils.translation import gettext

from lantern.core.form_rendering import shown
from lantern.encounters.models import ConsentRecord

register = template.Library()


def _when(value: datetime.datetime | None) -> str:
    """``{{ value|date:"Y-m-d H:i" }}``: in the page's time zone, as ``dateformat`` writes
    Y, m, d, H and i (zero-padded numbers), without parsing the format for every row."""
    if value is None:
        return ""
    at = template_localtime(value)
    return f"{at.year:04d}-{at.month:02d}-{at.day:02d} {at.hour:02d}:{at.minute:02d}"


class _Labels:
    """``record.get_FOO_display()`` for many rows: each field's choices read (and
    translated) once per table rather than once per row."""

    def __init__(self) -> None:
        self.choices: dict[str, dict[Any, str]] = {}

    def __call__(self, record: ConsentRecord, name: str) -> str:
        choices = self.choices.get(name)
        if choices is None:
            field = record._meta.get_field(name)
            flat = field.flatchoices  # type: ignore[union-attr]
            choices = {value: force_str(label, strings_only=True) for value, label in flat}
            self.choices[name] = choices
        value = getattr(record, name)
        return shown(choices[value] if value in choices else force_str(value, strings_only=True))


def _expires(record: ConsentRecord | None) -> str:
    if record is None or not record.expires_at:
        return ""
    expires = gettext("(expires %(time)s)") % {"time": _when(record.expires_at)}
    return f' <span class="muted">{expires}</span>'


def _template_text(message: str) -> str:
    """``{% translate message %}``: a template's own literal and its translation are safe
    text, so neither is escaped."""
    return shown(gettext(mark_safe(message)))  # noqa: S308 (our own literal)  # nosec B308 B703


def _interpreter(record: ConsentRecord) -> str:
    return f" · {_template_text('with an interpreter')}" if record.interpreter_used else ""


def _how(record: ConsentRecord, labels: _Labels) -> str:
    method, giver = labels(record, "method"), labels(record, "given_by")
    return f"{method} · {giver}{_interpreter(record)}"


def _csrf_input(context: Context) -> str:
    """``{% csrf_token %}``."""
    token = context.get("csrf_token")
    if not token or token == "NOTPROVIDED":  # noqa: S105 (Django's word for none, no secret)
        return ""
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)


def _url(context: Context, name: str, *args: Any) -> str:
    """``{% url name *args %}``, with the current application as the tag finds it."""
    request = getattr(context, "request", None)
    current_app = getattr(request, "current_app", None)
    if current_app is None:
        current_app = getattr(getattr(request, "resolver_match", None), "namespace", None)
    return shown(reverse(name, args=args, current_app=current_app))


def _withdraw(context: Context, row: Any, what: str) -> str:
    if not (context.get("can_write") and row.decision.allowed and row.record):
        return ""
    patient, visit = context["patient"], context["visit"]
    action = _url(context, "encounters:consent_withdraw", patient.pk, visit.pk, row.record.pk)
    return (
        f'\n          <form method="post" action="{action}" class="inline-form">'
        f"{_csrf_input(context)}\n"
        '            <button type="submit" class="button button--small button--secondary">'
        f'{_template_text("Withdraw")}<span class="visually-hidden">: {what}</span>'
        "</button>\n          </form>"
    )


def _now_row(context: Context, row: Any, labels: _Labels) -> str:
    record = row.record
    what = shown(row.label) + (f": {shown(row.recipient)}" if row.recipient else "")
    recorded = "—"
    if record:
        who = shown(record.recorded_by.display_name)
        recorded = f"{_when(record.recorded_at)} · {who} · {_how(record, labels)}"
    return (
        f'\n      <tr>\n        <th scope="row">{what}</th>\n'
        f'        <td><span class="consent-state consent-state--{shown(row.decision.state)}">'
        f"{shown(row.state_label)}</span>{_expires(record)}</td>\n"
        f"        <td>{recorded}</td>\n"
        f"        <td>{_withdraw(context, row, what)}</td>\n      </tr>\n    "
    )


@register.simple_tag(takes_context=True)
def consent_now_rows(context: Context, rows: Iterable[Any]) -> SafeString:
    """One row per scope (and named recipient): the decision that counts now."""
    labels = _Labels()
    return mark_safe("".join(_now_row(context, row, labels) for row in rows))  # noqa: S308  # nosec B308 B703


def _history_row(record: ConsentRecord, labels: _Labels) -> str:
    scope = labels(record, "scope")
    recipient = f": {shown(record.recipient)}" if record.recipient else ""
    return (
        f"\n      <tr>\n        <td>{_when(record.recorded_at)}</td>\n"
        f"        <td>{scope}{recipient}</td>\n"
        f"        <td>{labels(record, 'status')}{_expires(record)}</td>\n"
        f"        <td>{_how(record, labels)}</td>\n"
        f"        <td>{shown(record.recorded_by.display_name)}</td>\n"
        f"        <td>{shown(linebreaksbr(record.note, autoescape=True))}</td>\n      </tr>\n    "
    )


@register.simple_tag
def consent_history_rows(records: Iterable[ConsentRecord]) -> SafeString:
    """Every decision recorded, as it was recorded, newest first."""
    labels = _Labels()
    return mark_safe("".join(_history_row(record, labels) for record in records))  # noqa: S308  # nosec B308 B703
