"""Forms for registering and editing patients and their safe-contact preferences."""

from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lantern.accounts.models import Clinic, ReviewStatus, User
from lantern.careplans.reminders import wording
from lantern.core.forms import CleanTextMixin, offer
from lantern.patients.choices import (
    LANGUAGES,
    AliasKind,
    BirthDateKind,
    GenderIdentity,
    Safety,
    SexAtBirth,
)

OLDEST_BIRTH_YEAR = 1900
MAX_ESTIMATED_AGE = 120
NAME_LENGTH = 150


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class SearchForm(CleanTextMixin, forms.Form):
    q = forms.CharField(
        label=_("Name, alias, date of birth or record number"),
        max_length=200,
        required=False,
    )


class EmergencySearchForm(CleanTextMixin, forms.Form):
    """Break the glass: why, and whom to look for."""

    reason = forms.CharField(
        label=_("Why do you need emergency access?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "A privacy officer reviews every use. Describe the clinical need, not the patient."
        ),
    )
    q = forms.CharField(label=_("Name, alias, date of birth or record number"), max_length=200)


class EmergencyReviewForm(forms.Form):
    """A privacy officer's decision on one use of emergency access."""

    decision = forms.ChoiceField(
        label=_("Was this emergency access justified?"),
        choices=[
            (status.value, status.label)
            for status in (ReviewStatus.JUSTIFIED, ReviewStatus.NOT_JUSTIFIED)
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class PatientDetailsForm(CleanTextMixin, forms.Form):
    """Identity and demographics, shared by registration and editing.

    After validation, ``set_aside`` holds a message for each age value the chosen kind of
    date of birth did not use (the views show it once the patient is saved).
    """

    set_aside: list[str]

    preferred_name = forms.CharField(
        label=_("Preferred name"),
        max_length=NAME_LENGTH,
        help_text=_("The name the patient wants to be called."),
    )
    legal_name = forms.CharField(
        label=_("Legal name"),
        max_length=NAME_LENGTH,
        required=False,
        help_text=_("Optional. Leave empty if the patient does not want to give it."),
    )
    birth_date_kind = forms.ChoiceField(
        label=_("Date of birth"),
        choices=BirthDateKind.choices,
        widget=forms.RadioSelect,
        initial=BirthDateKind.EXACT,
    )
    birth_date = forms.DateField(label=_("Exact date of birth"), required=False, widget=DateInput)
    estimated_age = forms.IntegerField(
        label=_("Estimated age in years"),
        required=False,
        min_value=0,
        max_value=MAX_ESTIMATED_AGE,
    )
    # Neither is preset (a list's first entry would be): a default quietly records the sex
    # that decides emergency contraception and pregnancy tests, and a gender the patient
    # may not have. "Unknown" and "Prefers not to say" are there to be chosen.
    sex_at_birth = forms.ChoiceField(
        label=_("Sex assigned at birth"),
        choices=[("", _("Choose one")), *SexAtBirth.choices],
        error_messages={"required": _("Ask the patient, or choose “Unknown”.")},
    )
    gender_identity = forms.ChoiceField(
        label=_("Gender identity"),
        choices=[("", _("Choose one")), *GenderIdentity.choices],
        error_messages={"required": _("Ask the patient, or choose “Unknown”.")},
    )
    gender_identity_detail = forms.CharField(
        label=_("Gender identity in the patient's own words"), max_length=100, required=False
    )
    pronouns = forms.CharField(label=_("Pronouns"), max_length=40, required=False)
    # No language is preset: a default would quietly put a patient who reads another
    # language in front of English questions and an English after-visit summary.
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"),
        choices=[("", _("Choose a language")), *LANGUAGES],
        error_messages={"required": _("Ask the patient which language they prefer.")},
    )
    interpreter_needed = forms.BooleanField(
        label=_("Needs a professional interpreter"), required=False
    )

    def clean_birth_date(self) -> datetime.date | None:
        value: datetime.date | None = self.cleaned_data.get("birth_date")
        if value is None:
            return None
        if value > timezone.localdate():
            raise forms.ValidationError(_("A date of birth cannot be in the future."))
        if value.year < OLDEST_BIRTH_YEAR:
            raise forms.ValidationError(
                _("Enter a date of birth after %(year)s.") % {"year": OLDEST_BIRTH_YEAR}
            )
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("birth_date_kind")
        if (
            kind == BirthDateKind.EXACT
            and not data.get("birth_date")
            and "birth_date" not in self.errors
        ):
            self.add_error(
                "birth_date", _("Enter the date of birth, or choose estimated or unknown.")
            )
        if (
            kind == BirthDateKind.ESTIMATED
            and data.get("estimated_age") is None
            and "estimated_age" not in self.errors
        ):
            self.add_error("estimated_age", _("Enter the estimated age, or choose unknown."))
        self.set_aside = self._set_aside(data)
        return data

    def _set_aside(self, data: dict[str, Any]) -> list[str]:
        """Drop the age value the chosen kind does not use, and say so: nothing typed is
        lost without a word. (The kind chosen is the one kept.)"""
        kind = str(data.get("birth_date_kind") or "")
        if kind not in BirthDateKind.values:
            return []
        born, estimate = data.get("birth_date"), data.get("estimated_age")
        notes: list[str] = []
        if kind != BirthDateKind.EXACT and born is not None:
            data["birth_date"] = None
            notes.append(
                _("The exact date of birth also on the form (%(date)s) was not kept.")
                % {"date": born.isoformat()}
            )
        if kind != BirthDateKind.ESTIMATED and estimate is not None:
            data["estimated_age"] = None
            notes.append(
                _("The estimated age also on the form (%(age)s) was not kept.") % {"age": estimate}
            )
        if not notes:
            return []
        kept = {
            BirthDateKind.EXACT: _("Saved with the exact date of birth."),
            BirthDateKind.ESTIMATED: _("Saved with the estimated age (%(age)s).")
            % {"age": estimate},
            BirthDateKind.UNKNOWN: _("Saved with the age unknown."),
        }[BirthDateKind(kind)]
        change = _("To keep the other, change “Date of birth” and save again.")
        return [" ".join(str(part) for part in (kept, *notes, change))]


class RegistrationForm(PatientDetailsForm):
    clinic = forms.ModelChoiceField(
        label=_("Clinic"), queryset=Clinic.objects.none(), empty_label=None
    )
    mrn = forms.CharField(
        label=_("Medical record number (EHR)"),
        max_length=64,
        required=False,
        help_text=_("Optional. Unique within the clinic."),
    )
    not_a_duplicate = forms.BooleanField(
        label=_("None of these is the same person: register a new patient"), required=False
    )

    def __init__(self, *args: Any, clinics: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        clinic_field = cast(forms.ModelChoiceField, self.fields["clinic"])  # type: ignore[type-arg]
        clinic_field.queryset = clinics
        offered = offer(clinic_field, clinics)
        if len(offered) == 1:
            clinic_field.initial = offered[0].pk


class AliasForm(CleanTextMixin, forms.Form):
    name = forms.CharField(label=_("Alias"), max_length=NAME_LENGTH, required=False)
    kind = forms.ChoiceField(
        label=_("Kind of name"), choices=AliasKind.choices, initial=AliasKind.STREET
    )


class RequiredAliasForm(AliasForm):
    name = forms.CharField(label=_("Alias"), max_length=NAME_LENGTH)


AliasFormSet = forms.formset_factory(AliasForm, extra=3, max_num=3, absolute_max=3)


class IdentifierForm(CleanTextMixin, forms.Form):
    clinic = forms.ModelChoiceField(
        label=_("Clinic"), queryset=Clinic.objects.none(), empty_label=None
    )
    value = forms.CharField(label=_("Medical record number (EHR)"), max_length=64)

    def __init__(self, *args: Any, clinics: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        clinic_field = cast(forms.ModelChoiceField, self.fields["clinic"])  # type: ignore[type-arg]
        clinic_field.queryset = clinics
        self.offered = offer(clinic_field, clinics)


class CareTeamAddForm(forms.Form):
    member = forms.ModelChoiceField(label=_("Staff member"), queryset=User.objects.none())

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        member_field = cast(forms.ModelChoiceField, self.fields["member"])  # type: ignore[type-arg]
        member_field.queryset = candidates
        self.offered = offer(member_field, candidates)


class ContactPlanForm(CleanTextMixin, forms.Form):
    do_not_contact = forms.BooleanField(
        label=_("Do not contact this patient by any channel"), required=False
    )
    notes = forms.CharField(
        label=_("Notes for staff"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirmed_at = forms.DateField(
        label=_("Last confirmed with the patient on"), required=False, widget=DateInput
    )

    def clean_confirmed_at(self) -> datetime.date | None:
        value: datetime.date | None = self.cleaned_data.get("confirmed_at")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("This date cannot be in the future."))
        return value


WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


def _neutral(text: str) -> str:
    """Refuse text a reminder could carry that reveals the kind of care, or hides it.

    The code word and the patient's approved wording go into every reminder by this
    channel; the reminder screening (``lantern.careplans.reminders``) would withhold them.
    """
    hidden = wording.invisible_character(text)
    if hidden is not None:
        raise forms.ValidationError(
            _(
                "Remove the invisible character (code %(code)s): it could hide a word from "
                "the person reading the message."
            ),
            code="invisible_character",
            params={"code": hidden},
        )
    word = wording.revealing_word(text)
    if word is not None:
        raise forms.ValidationError(
            _(
                "“%(word)s” could tell whoever sees the message what kind of care it is "
                "about. Reminders name no clinic, care, test, diagnosis or role: choose "
                "other words."
            ),
            code="revealing_word",
            params={"word": word},
        )
    return text


class ContactChannelForm(CleanTextMixin, forms.Form):
    safety = forms.ChoiceField(
        label=_("Is this channel safe?"), choices=Safety.choices, widget=forms.RadioSelect
    )
    destination = forms.CharField(label=_("Number or address"), max_length=300, required=False)
    voicemail_allowed = forms.BooleanField(
        label=_("A voicemail or message may be left"), required=False
    )
    code_word = forms.CharField(label=_("Code word"), max_length=100, required=False)
    approved_wording = forms.CharField(
        label=_("Wording the patient approved"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    confirmed_at = forms.DateField(
        label=_("Confirmed with the patient on"), required=False, widget=DateInput
    )

    def clean_code_word(self) -> str:
        return _neutral(self.cleaned_data["code_word"])

    def clean_approved_wording(self) -> str:
        return _neutral(self.cleaned_data["approved_wording"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("safety") == Safety.SAFE and not data.get("destination"):
            self.add_error("destination", _("A safe channel needs the number or address to use."))
        when = data.get("confirmed_at")
        if when and when > timezone.localdate():
            self.add_error("confirmed_at", _("This date cannot be in the future."))
        return data


class TimeWindowForm(forms.Form):
    days = forms.TypedMultipleChoiceField(
        label=_("Days"),
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    start = forms.TimeField(
        label=_("From"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    end = forms.TimeField(
        label=_("Until"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        days, start, end = data.get("days"), data.get("start"), data.get("end")
        if not (days or start or end):
            return data
        if not days:
            self.add_error("days", _("Choose at least one day."))
        if start is None or end is None:
            self.add_error("start" if start is None else "end", _("Enter both times."))
        elif start == end:
            self.add_error("end", _("The end time must differ from the start time."))
        return data


TimeWindowFormSet = forms.formset_factory(TimeWindowForm, extra=3, max_num=3, absolute_max=3)
