"""Forms for screening: choosing instruments, the privacy gate, and instrument answers.

Instrument forms are built from the instrument's data: one radio group per visible item,
in the language the questions are asked in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lantern.accounts.models import Clinic
from lantern.core.forms import CleanTextMixin
from lantern.screening import instruments
from lantern.screening.instruments import text_in
from lantern.screening.models import CodeDecision, Interpretation, PrivacyMethod
from lantern.screening.services import ThresholdChoice

ASK_LANGUAGES = [("en", "English"), ("es", "Español")]


def instrument_choices(language: str) -> list[tuple[str, str]]:
    return [
        (instrument.id, text_in(instrument.title, language))
        for instrument in instruments.all_instruments().values()
    ]


class StartForm(forms.Form):
    instrument_ids = forms.MultipleChoiceField(
        label=_("Questionnaires"), widget=forms.CheckboxSelectMultiple, choices=()
    )
    language = forms.ChoiceField(
        label=_("Language of the questions"),
        choices=ASK_LANGUAGES,
        initial="en",
        help_text=_("Validated wording is used in each language."),
    )

    def __init__(self, *args: Any, language: str = "en", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["instrument_ids"].choices = instrument_choices(language)  # type: ignore[attr-defined]


class PrivacyForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Is the patient alone with you?"),
        choices=PrivacyMethod.choices,
        widget=forms.RadioSelect,
    )
    interpretation = forms.ChoiceField(
        label=_("Interpretation"),
        choices=Interpretation.choices,
        widget=forms.RadioSelect,
    )


class DeferForm(CleanTextMixin, forms.Form):
    note = forms.CharField(
        label=_("Note for the next contact"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Do not write anything that would be unsafe if a companion read it."),
    )


class AcknowledgeForm(CleanTextMixin, forms.Form):
    action_taken = forms.CharField(
        label=_("What did you do?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: stayed with the patient, safety assessment by a counselor."),
    )


class CodeDecisionForm(CleanTextMixin, forms.Form):
    code = forms.ChoiceField(label=_("Code"), choices=(), widget=forms.RadioSelect)
    decision = forms.ChoiceField(
        label=_("Decision"), choices=CodeDecision.choices, widget=forms.RadioSelect
    )
    discussed_with_patient = forms.BooleanField(
        label=_("I discussed this code with the patient and they agree"), required=False
    )
    note = forms.CharField(
        label=_("Note"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, codes: Sequence[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].choices = codes  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == CodeDecision.CONFIRMED and not data.get(
            "discussed_with_patient"
        ):
            self.add_error(
                "discussed_with_patient",
                _("Discuss the code with the patient before recording it."),
            )
        return data


@dataclass(frozen=True)
class Block:
    """One piece of a questionnaire page: a heading or note to read, or a question."""

    text: str = ""
    field: forms.BoundField | None = None


class InstrumentForm(forms.Form):
    """One instrument's visible questions, as radio groups, in the language of asking.

    ``blocks`` keeps the instrument's order, with its lead-in texts between the questions.
    Notes meant for staff appear as help text only when staff ask the questions.
    """

    def __init__(
        self,
        instrument: instruments.Instrument,
        language: str,
        answers: Mapping[str, str],
        *args: Any,
        for_staff: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        self.visible = instruments.visible_items(instrument, answers)
        for item in self.visible:
            if not item.answerable:
                continue
            self.fields[item.link_id] = forms.ChoiceField(
                label=text_in(item.text, language),
                choices=[
                    (option.code, text_in(option.display, language)) for option in item.options
                ],
                widget=forms.RadioSelect,
                required=item.required,
                help_text=text_in(item.help, language) if for_staff and item.help else "",
            )
        self.language = language

    @property
    def blocks(self) -> list[Block]:
        return [
            Block(field=self[item.link_id])
            if item.answerable
            else Block(text=text_in(item.text, self.language))
            for item in self.visible
        ]

    def answers(self) -> dict[str, str]:
        return {key: value for key, value in self.cleaned_data.items() if value}


def posted_answers(instrument: instruments.Instrument, data: Mapping[str, Any]) -> dict[str, str]:
    """The answers present in a POST, for working out which questions to show."""
    link_ids = {item.link_id for item in instrument.items}
    return {key: str(data[key]) for key in link_ids if data.get(key)}


class ThresholdsForm(forms.Form):
    """Each clinic's positive threshold for each instrument that offers more than one.

    One field per clinic and instrument, named ``t-<clinic>-<instrument>``; a choice the
    instrument does not offer refuses the whole form, so no threshold changes.
    """

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        clinics: Sequence[Clinic],
        configurable: Sequence[instruments.Instrument],
        current: Mapping[tuple[int, str], int],
        language: str,
    ) -> None:
        super().__init__(data)
        self.cells: list[tuple[Clinic, instruments.Instrument, str]] = []
        for clinic in clinics:
            for instrument in configurable:
                name = f"t-{clinic.pk}-{instrument.id}"
                self.fields[name] = forms.TypedChoiceField(
                    label=text_in(instrument.title, language),
                    choices=_threshold_choices(instrument),
                    coerce=int,
                    empty_value=None,
                    required=False,  # left out: that threshold stays as it is
                    initial=current.get((clinic.pk, instrument.id), instrument.default_threshold),
                )
                self.cells.append((clinic, instrument, name))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            raise forms.ValidationError(_("A choice was not allowed, so no threshold was changed."))
        return data

    def rows(self) -> list[tuple[Clinic, list[forms.BoundField]]]:
        """The fields clinic by clinic, for one fieldset each."""
        rows: dict[int, tuple[Clinic, list[forms.BoundField]]] = {}
        for clinic, _instrument, name in self.cells:
            rows.setdefault(clinic.pk, (clinic, []))[1].append(self[name])
        return list(rows.values())

    def choices(self) -> list[ThresholdChoice]:
        """What was chosen, for ``thresholds_save``; call only after ``is_valid()``."""
        return [
            ThresholdChoice(clinic, instrument, self.cleaned_data[name])
            for clinic, instrument, name in self.cells
            if self.cleaned_data.get(name) is not None
        ]


def _threshold_choices(instrument: instruments.Instrument) -> list[tuple[int, str]]:
    default = instrument.default_threshold
    return [
        (value, f"{value} ({_('default')})" if value == default else str(value))
        for value in instrument.allowed_thresholds
    ]
