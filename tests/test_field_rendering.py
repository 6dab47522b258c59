"""Form fields are written out in Python (``{% form_field %}``, ``lantern.core.field_rendering``)
rather than by including ``includes/field.html`` for each one: the HTML must be the same,
character for character, so every label stays tied to its input, errors and help stay where
the input's ``aria-describedby`` points, and nothing a browser or screen reader relies on
moves."""

from __future__ import annotations

from collections import Counter

import pytest
from django import forms
from django.forms import BoundField
from django.forms.utils import ErrorDict
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from lantern.core.field_rendering import field_html
from lantern.core.templatetags import fields as field_tags
from tests.clients import stepped_up
from tests.test_access_matrix import MATRIX
from tests.test_form_rendering import PAGES
from tests.test_method_audit import WALKERS

INCLUDE = Template('{% include "includes/field.html" %}')
CHOICES = [("a", "Alpha & co"), ("b", mark_safe("<b>Bold</b>")), (3, 1234)]
GROUPED = [("Group <1>", [("x", "Ex"), ("y", "Why")]), ("z", "Zed")]


def included(field: object) -> str:
    """The field as the template gives it, included as the pages included it."""
    return INCLUDE.render(Context({"field": field}))


class EveryKind(forms.Form):
    text = forms.CharField(label="Name <as known>", help_text="What they go by & 'why'")
    optional = forms.CharField(required=False, label=gettext_lazy("Note"))
    unlabelled_name = forms.CharField(required=False)
    number = forms.IntegerField(min_value=0, help_text=mark_safe("<em>in years</em>"))
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    secret = forms.CharField(widget=forms.HiddenInput, required=False)
    agree = forms.BooleanField(label=gettext_lazy("required"), help_text="Tick to agree")
    optional_box = forms.BooleanField(required=False, label="Optional box")
    pick = forms.ChoiceField(choices=CHOICES, help_text="One of them")
    grouped = forms.ChoiceField(choices=GROUPED, required=False)
    radio = forms.ChoiceField(choices=CHOICES, widget=forms.RadioSelect, help_text="Pick one")
    radio_grouped = forms.ChoiceField(choices=GROUPED, widget=forms.RadioSelect, required=False)
    boxes = forms.MultipleChoiceField(choices=CHOICES, widget=forms.CheckboxSelectMultiple)
    many = forms.MultipleChoiceField(choices=CHOICES, required=False)
    described = forms.CharField(widget=forms.TextInput(attrs={"aria-describedby": "elsewhere"}))
    off = forms.CharField(disabled=True, initial="fixed", help_text="Cannot change")
    radio_off = forms.ChoiceField(choices=CHOICES, widget=forms.RadioSelect, disabled=True)


DATA = {"text": 'Ana "la" <Rosa>', "number": "-4", "pick": "b", "radio": "3", "boxes": ["a"]}


def forms_in_every_state() -> list[forms.Form]:
    hidden_marks = EveryKind(DATA)
    hidden_marks.hide_required_marks = True  # type: ignore[attr-defined]
    return [
        EveryKind(),
        EveryKind(DATA),  # bound: some fields valid, some with errors
        EveryKind({}),  # every required field with its error
        EveryKind(DATA, auto_id=False),  # no ids, so nothing for aria to point at
        EveryKind(DATA, prefix="visit-3"),
        hidden_marks,
    ]


@pytest.mark.parametrize("language", ["en", "es"])
def test_each_kind_of_field_in_each_state_is_written_as_the_template_writes_it(language):
    compared = 0
    with translation.override(language):
        for form in forms_in_every_state():
            for field in form:
                assert field_html(field) == included(field), field.name
                compared += 1
    assert compared == 6 * len(EveryKind.base_fields)


def test_the_tag_writes_what_the_template_wrote_for_a_name_a_form_does_not_have():
    page = Template("{% load fields %}{% form_field form.missing %}")
    assert page.render(Context({"form": EveryKind()})) == included("")


class Checked:
    """Every field the pages show, each checked against the template when it is shown."""

    def __init__(self) -> None:
        self.fields: list[BoundField] = []
        self.differences: list[tuple[str, str, str]] = []

    def __call__(self, field: BoundField) -> str:
        ours = field_html(field)
        self.compare(field, ours)
        self.fields.append(field)
        return ours

    def compare(self, field: BoundField, ours: str | None = None) -> None:
        ours = field_html(field) if ours is None else ours
        theirs = included(field)
        if ours != theirs:
            self.differences.append((f"{type(field.form).__name__}.{field.name}", ours, theirs))


def with_errors(field: BoundField) -> BoundField:
    """The field as it comes back after a refused form: two errors, one with markup."""
    form = field.form
    errors = form.error_class(["Check <this> & 'that'", "Another"], renderer=form.renderer)
    form._errors = ErrorDict({field.name: errors})
    return field


def disabled(field: BoundField) -> BoundField:
    field.field.disabled, field.field.required = True, not field.field.required
    return field


def test_every_field_on_every_page_is_written_as_the_template_writes_it(personas, monkeypatch):
    checked = Checked()
    monkeypatch.setattr(field_tags, "field_html", checked)
    for name in PAGES:
        rule = MATRIX[name]
        client = stepped_up(personas.by_name(next(p for p in WALKERS if p in rule.allowed)))
        client.get(reverse(name, kwargs=rule.kwargs(personas)))
        if "anonymous" in rule.allowed:  # the sign-in pages, as someone not yet signed in
            Client().get(reverse(name, kwargs=rule.kwargs(personas)))
    assert checked.differences == []
    # The same fields again, in Spanish, after an error, and disabled.
    for field in checked.fields:
        with translation.override("es"):
            checked.compare(field)
            checked.compare(with_errors(field))
        checked.compare(disabled(field))
    assert checked.differences == []
    # The pages show every kind of field the template tells apart, in many forms.
    kinds = Counter(field.widget_type for field in checked.fields)
    assert {
        "text",
        "textarea",
        "select",
        "radioselect",
        "checkbox",
        "checkboxselectmultiple",
    } <= set(kinds)
    assert len({type(field.form) for field in checked.fields}) >= 30


def test_a_visit_refused_keeps_the_field_html_the_template_wrote(personas, monkeypatch):
    checked = Checked()
    monkeypatch.setattr(field_tags, "field_html", checked)
    client = stepped_up(personas.clinician)
    response = client.post(
        reverse("encounters:visits", args=[personas.patient.pk]),
        {"kind": "emergency", "companion": "came_alone", "interpreter": "in_person"},
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert response.status_code == 200
    assert checked.differences == []
    assert any(field.errors for field in checked.fields)
