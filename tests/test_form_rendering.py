"""Form widgets are written out in Python (``lantern.core.form_rendering``) rather than through
Django's widget templates: the HTML must be the same, character for character, so labels
stay tied to their inputs, a typed value comes back after an error and nothing a browser or
a screen reader relies on changes."""

from __future__ import annotations

import datetime
import re

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.urls import reverse
from django.utils.safestring import mark_safe

from lantern.core.form_rendering import PARTS, FormRenderer
from tests.clients import stepped_up
from tests.test_access_matrix import MATRIX, FormAddress
from tests.test_method_audit import WALKERS

CHOICES = [("a", "Alpha & co"), ("b", mark_safe("<b>Bold</b>")), (3, 1234), ("", "None")]
GROUPED = [("Group <1>", [("x", "Ex"), ("y", "Why")]), ("z", "Zed")]

WIDGETS = [
    (forms.TextInput(), "Ana \"la\" <Rosa> & 'co'"),
    (forms.TextInput(attrs={"required": True, "disabled": False, "data-x": 5}), None),
    (forms.TextInput(), mark_safe("<i>kept</i>")),
    (forms.NumberInput(attrs={"min": 0}), 12),
    (forms.EmailInput(), "a@example.org"),
    (forms.PasswordInput(render_value=True), "secret"),
    (forms.HiddenInput(), "hidden"),
    (forms.DateInput(format="%Y-%m-%d"), datetime.date(2024, 2, 29)),
    (forms.DateTimeInput(), datetime.datetime(2024, 2, 29, 13, 5)),
    (forms.TimeInput(), datetime.time(9, 30)),
    (forms.FileInput(attrs={"accept": "image/jpeg,image/png"}), None),
    (forms.FileInput(), "never shown.png"),
    (forms.CheckboxInput(), True),
    (forms.CheckboxInput(), False),
    (forms.Textarea(attrs={"rows": 3}), "line one\nline <two>"),
    (forms.Textarea(), ""),
    (forms.Select(choices=CHOICES), "b"),
    (forms.Select(choices=GROUPED, attrs={"aria-describedby": "x_error"}), "y"),
    (forms.SelectMultiple(choices=CHOICES), ["a", 3]),
    (forms.RadioSelect(choices=CHOICES, attrs={"class": "inline"}), "a"),
    (forms.RadioSelect(choices=GROUPED), None),
    (forms.CheckboxSelectMultiple(choices=CHOICES), ["a", "b"]),
    (forms.CheckboxSelectMultiple(choices=GROUPED, attrs={"id": ""}), []),
]


@pytest.mark.parametrize(("widget", "value"), WIDGETS, ids=lambda w: type(w).__name__)
@pytest.mark.parametrize("attrs", [{"id": "id_field"}, {}], ids=["with id", "without id"])
def test_each_widget_is_written_as_djangos_templates_write_it(widget, value, attrs):
    ours = widget.render("field", value, attrs, renderer=FormRenderer())
    django = widget.render("field", value, attrs, renderer=DjangoTemplates())
    assert ours == django


def test_every_widget_above_is_written_in_python_not_by_the_template_engine():
    # The photograph upload's file input included: one per injury on the visit page.
    assert {widget.template_name for widget, _value in WIDGETS} <= set(PARTS)


@pytest.mark.parametrize("wrap_label", [True, False])
def test_each_radio_button_alone_is_written_as_django_writes_it(wrap_label):
    field = forms.ChoiceField(choices=CHOICES, widget=forms.RadioSelect)

    class Form(forms.Form):
        choice = field

    for renderer in (FormRenderer(), DjangoTemplates()):
        Form.default_renderer = renderer
        bound = Form({"choice": "a"})["choice"]
        tags = [choice.tag(wrap_label=wrap_label) for choice in bound]
        labels = [str(choice) for choice in bound]
        if isinstance(renderer, FormRenderer):
            ours = (tags, labels)
    assert ours == (tags, labels)


class CheckingRenderer(FormRenderer):
    """Writes each widget both ways and keeps every difference."""

    differences: list[tuple[str, str, str]] = []
    written: set[str] = set()

    def render(self, template_name, context, request=None):
        ours = super().render(template_name, context, request)
        django = DjangoTemplates.render(self, template_name, context, request)
        if ours != django:
            self.differences.append((template_name, ours, django))
        self.written.add(template_name)
        return ours


PAGES = sorted(
    name
    for name, rule in MATRIX.items()
    if "GET" in rule.methods
    and not isinstance(rule.methods, FormAddress)
    and not rule.token_only
    and not rule.signs_out
    and any(persona in rule.allowed for persona in WALKERS)
)


def test_every_widget_on_every_page_is_written_as_djangos_templates_write_it(personas, settings):
    settings.FORM_RENDERER = "tests.test_form_rendering.CheckingRenderer"
    CheckingRenderer.differences, CheckingRenderer.written = [], set()
    for name in PAGES:
        rule = MATRIX[name]
        client = stepped_up(personas.by_name(next(p for p in WALKERS if p in rule.allowed)))
        client.get(reverse(name, kwargs=rule.kwargs(personas)))
    assert CheckingRenderer.differences == []
    # The pages use the radio buttons, checkboxes, lists, text and date inputs written here.
    assert len(CheckingRenderer.written & set(PARTS)) >= 8


def test_a_refused_visit_start_keeps_what_was_typed_with_its_label_and_error(personas):
    client = stepped_up(personas.clinician)
    response = client.post(
        reverse("encounters:visits", args=[personas.patient.pk]),
        {
            "kind": "emergency",
            "companion": "came_alone",
            "companion_relationship": 'employer "boss"',
            "interpreter": "in_person",
            "clinic": personas.clinic.pk,
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    # The typed text comes back, escaped, in the input its label names.
    typed = re.search(r'<input type="text" name="companion_relationship"[^>]*>', page)
    assert typed is not None
    assert 'value="employer &quot;boss&quot;"' in typed.group(0)
    field_id = re.search(r'\sid="([^"]+)"', typed.group(0)).group(1)
    assert f'<label for="{field_id}">' in page
    # The error is shown, and the input points to it and to its help.
    error = re.search(rf'<ul class="errors" id="{field_id}_error"><li>([^<]+)</li></ul>', page)
    assert error is not None
    assert error.group(1).startswith("The patient came alone")
    assert 'aria-invalid="true"' in typed.group(0)
    assert f'aria-describedby="{field_id}_helptext {field_id}_error"' in typed.group(0)
    # The choices made stay chosen, each radio button with its own label.
    assert '<option value="emergency" selected>Emergency</option>' in page
    for name, value in (("companion", "came_alone"), ("interpreter", "in_person")):
        button = re.search(rf'<input type="radio" name="{name}" value="{value}"[^>]*>', page)
        assert button is not None
        assert " checked" in button.group(0)
        button_id = re.search(r'\sid="([^"]+)"', button.group(0)).group(1)
        assert f'<label class="choice" for="{button_id}">' in page
