from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lantern.training.catalogue import Module, text_in


class KnowledgeCheckForm(forms.Form):
    """The module's questions, one choice each, and the attestation itself."""

    attest = forms.BooleanField(
        label=_("I have read this module and will work by it."),
        error_messages={"required": _("Tick the box to attest that you completed the module.")},
    )

    def __init__(self, *args: Any, module: Module, language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.module = module
        questions: dict[str, forms.Field] = {}
        for question in module.check:
            questions[f"q-{question.id}"] = forms.ChoiceField(
                label=text_in(question.prompt, language),
                choices=[(o.id, text_in(o.text, language)) for o in question.options],
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose an answer.")},
            )
        self.fields = {**questions, "attest": self.fields["attest"]}

    def answers(self) -> dict[str, str]:
        return {q.id: self.cleaned_data.get(f"q-{q.id}", "") for q in self.module.check}


class TrainingPolicyForm(forms.Form):
    required_for_screening = forms.BooleanField(
        label=_("Staff need current training before they screen patients or hand over a tablet"),
        required=False,
    )
    valid_months = forms.IntegerField(
        label=_("Months an attestation lasts"),
        min_value=1,
        max_value=60,
        help_text=_("From 1 to 60; 12 unless your clinic decides otherwise."),
    )
