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
from lantern.screening import decision_support, instruments
from lantern.screening.instruments import text_in
from lantern.screening.models import CodeDecision, Interpretation, PrivacyMethod
from lantern.screening.services import ThresholdChoice

ASK_LANGUAGES = [("en", "English"), ("es", "Español")]
NO_INTERPRETER_LABEL = _("No professional interpreter (say why below)")
NO_INTERPRETER_REASON_NEEDED = _(
    "This patient needs a professional interpreter. Use one, or say why there is none."
)


def instrument_choices(language: str) -> list[tuple[str, str]]:
    return [
        (instrument.id, text_in(instrument.title, language))
        for instrument in instruments.all_instruments().values()
    ]


class StartForm(forms.Form):
    """Which questionnaires, asked in which language: the patient's preferred language when
    the questionnaires have it."""

    instrument_ids = forms.MultipleChoiceField(
        label=_("Questionnaires"), widget=forms.CheckboxSelectMultiple, choices=()
    )
    language = forms.ChoiceField(
        label=_("Language of the questions"),
        choices=ASK_LANGUAGES,
        help_text=_("Validated wording is used in each language."),
    )

    def __init__(
        self, *args: Any, language: str = "en", patient_language: str = "", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["instrument_ids"].choices = instrument_choices(language)  # type: ignore[attr-defined]
        self.patient_language_offered = patient_language in dict(ASK_LANGUAGES)
        self.fields["language"].initial = (
            patient_language if self.patient_language_offered else language
        )


class PrivacyForm(CleanTextMixin, forms.Form):
    """The private-screening gate. Nothing is chosen in advance. For a patient who needs an
    interpreter, going without a professional one takes a reason, and the screening shows a
    warning wherever its answers are read."""

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
    interpreter_reason = forms.CharField(
        label=_("Why is there no professional interpreter?"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Only if the patient needs an interpreter and none is used, for example: the "
            "patient asked to go on in English. The screening will show this reason and a "
            "warning."
        ),
    )

    def __init__(self, *args: Any, interpreter_needed: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.interpreter_needed = interpreter_needed
        if interpreter_needed:
            self.fields["interpretation"].choices = [  # type: ignore[attr-defined]
                (value, NO_INTERPRETER_LABEL if value == Interpretation.NOT_NEEDED else label)
                for value, label in Interpretation.choices
            ]
        else:
            del self.fields["interpreter_reason"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            self.interpreter_needed
            and data.get("interpretation") == Interpretation.NOT_NEEDED
            and not data.get("interpreter_reason")
        ):
            self.add_error("interpreter_reason", NO_INTERPRETER_REASON_NEEDED)
        return data


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
    """A clinician's decision on one suggested code. Nothing is chosen in advance, not even
    the phase of care that decides a T code's 7th character."""

    code = forms.ChoiceField(label=_("Code"), choices=(), widget=forms.RadioSelect)
    phase = forms.ChoiceField(
        label=_("Phase of care (7th character of a T74 or T76 code)"),
        choices=(),
        widget=forms.RadioSelect,
        required=False,
        help_text=_(
            "ICD-10-CM guideline I.C.19.a: A for every encounter in which active treatment "
            "continues, D once it has ended, S for a condition that results from it."
        ),
    )
    decision = forms.ChoiceField(
        label=_("Decision"), choices=CodeDecision.choices, widget=forms.RadioSelect
    )
    discussed_with_patient = forms.BooleanField(
        label=_("I discussed this code with the patient and they agree"), required=False
    )
    note = forms.CharField(
        label=_("Note"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self,
        *args: Any,
        codes: Sequence[tuple[str, str]],
        phases: Sequence[tuple[str, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].choices = codes  # type: ignore[attr-defined]
        if phases:
            self.fields["phase"].choices = phases  # type: ignore[attr-defined]
        else:  # no code offered takes a 7th character
            del self.fields["phase"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == CodeDecision.CONFIRMED and not data.get(
            "discussed_with_patient"
        ):
            self.add_error(
                "discussed_with_patient",
                _("Discuss the code with the patient before recording it."),
            )
        if (
            data.get("decision") == CodeDecision.CONFIRMED
            and decision_support.takes_seventh(data.get("code", ""))
            and not data.get("phase")
        ):
            self.add_error(
                "phase",
                _("Say whether active treatment continues: the 7th character depends on it."),
            )
        return data


@dataclass(frozen=True)
class Block:
    """One piece of a questionnaire page: a heading or note to read, or a question."""

    text: str = ""
    field: forms.BoundField | None = None


NO_ANSWER_CHOSEN = _("Choose an answer, or “Prefer not to answer”.")


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
                error_messages={} if for_staff else {"required": NO_ANSWER_CHOSEN},
            )
        self.language = language
        # The patient was told nothing has to be answered: their questions are never
        # marked "required", and one left out asks for an answer or "prefer not to answer".
        self.hide_required_marks = not for_staff

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
