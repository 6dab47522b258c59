"""Forms for visits, care preferences, consent, examination, injuries, photos and disclosures.

Forms check what a form can see (a recipient where one is needed, a region on the right side
of the body); whether the patient has consented is decided by the services, never here.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language, get_language_info
from django.utils.translation import gettext_lazy as _

from lantern.accounts.models import Clinic, User
from lantern.core.forms import CleanTextMixin
from lantern.encounters import body_map, consent_rules
from lantern.encounters.choices import (
    BodyRegion,
    BodySide,
    ChronicCondition,
    ClinicianGender,
    CompanionStatus,
    ConsentGiver,
    ConsentMethod,
    ConsentStatus,
    DisclosureBasis,
    DisclosureKind,
    EncounterKind,
    ExamStepKind,
    ExamStepStatus,
    ExposureTime,
    HbvImmunity,
    HealingStage,
    HivStatus,
    HivTestGeneration,
    InjuryKind,
    Interpreter,
    NpepStart,
    Pregnancy,
    Scope,
)

Choices = Iterable[tuple[str, Any]]
NO_INTERPRETER_LABEL = _("No professional interpreter (say why below)")
NO_INTERPRETER_REASON_NEEDED = _(
    "This patient needs a professional interpreter. Use one, or say why there is none."
)


def _textarea(rows: int = 2) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def _offer_only(field: forms.Field, choices: Choices) -> None:
    """Show only ``choices`` in the field's menu, while the field still accepts all its values.

    What is offered follows the consents current when the page was drawn; a value that is no
    longer allowed when the form comes back is refused by the service, with its reason.
    """
    field.widget.choices = list(choices)


class VisitDetailsForm(CleanTextMixin, forms.Form):
    """Who is in the room: companion, interpreter, staff. Nothing is chosen in advance: staff
    record what they see. For a patient who needs an interpreter, going without a
    professional one takes a reason, and the visit page shows a warning."""

    companion = forms.ChoiceField(
        label=_("Did anyone come with the patient?"),
        choices=CompanionStatus.choices,
        widget=forms.RadioSelect,
    )
    companion_relationship = forms.CharField(
        label=_("Who came with the patient"),
        max_length=200,
        required=False,
        help_text=_("As the companion described themselves, e.g. “cousin”, “employer”."),
    )
    interpreter = forms.ChoiceField(
        label=_("Interpreter"),
        choices=Interpreter.choices,
        widget=forms.RadioSelect,
        help_text=_("Never ask a companion or relative to interpret."),
    )
    interpreter_reason = forms.CharField(
        label=_("Why is there no professional interpreter?"),
        max_length=500,
        required=False,
        widget=_textarea(),
        help_text=_(
            "This patient needs a professional interpreter. If none is used, say why, for "
            "example: the patient asked to go on in English. The visit will show a warning."
        ),
    )
    staff_present = forms.ModelMultipleChoiceField(
        label=_("Other staff present"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self, *args: Any, staff: Any, interpreter_needed: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        staff_field = cast(forms.ModelMultipleChoiceField, self.fields["staff_present"])  # type: ignore[type-arg]
        staff_field.queryset = staff
        if not staff.exists():  # no one else who could be in the room: no empty question
            del self.fields["staff_present"]
        self.interpreter_needed = interpreter_needed
        if interpreter_needed:
            self.fields["interpreter"].choices = [  # type: ignore[attr-defined]
                (value, NO_INTERPRETER_LABEL if value == Interpreter.NOT_NEEDED else label)
                for value, label in Interpreter.choices
            ]
        else:
            del self.fields["interpreter_reason"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("companion") == CompanionStatus.CAME_ALONE and data.get(
            "companion_relationship"
        ):
            self.add_error(
                "companion_relationship",
                _("The patient came alone: leave this empty, or choose who came with them."),
            )
        if (
            self.interpreter_needed
            and data.get("interpreter") == Interpreter.NOT_NEEDED
            and not data.get("interpreter_reason")
        ):
            self.add_error("interpreter_reason", NO_INTERPRETER_REASON_NEEDED)
        return data


class VisitStartForm(VisitDetailsForm):
    kind = forms.ChoiceField(
        label=_("Kind of visit"), choices=EncounterKind.choices, initial=EncounterKind.CLINIC
    )
    clinic = forms.ModelChoiceField(
        label=_("Clinic"), queryset=Clinic.objects.none(), empty_label=None
    )

    field_order = ("kind", "clinic")

    def __init__(self, *args: Any, clinics: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        clinic_field = cast(forms.ModelChoiceField, self.fields["clinic"])  # type: ignore[type-arg]
        clinic_field.queryset = clinics


class InstructionsForm(CleanTextMixin, forms.Form):
    patient_instructions = forms.CharField(
        label=_("Instructions for the patient"),
        max_length=2000,
        required=False,
        widget=_textarea(4),
        help_text=_(
            "Written with the patient, in words they are comfortable taking home. "
            "Printed only if they choose."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "instructions-%s")
        super().__init__(*args, **kwargs)


class CarePreferencesForm(CleanTextMixin, forms.Form):
    clinician_gender = forms.ChoiceField(
        label=_("Clinician the patient would prefer"),
        choices=ClinicianGender.choices,
        required=False,
    )
    chaperone = forms.BooleanField(label=_("Wants a chaperone present"), required=False)
    support_person = forms.CharField(
        label=_("Support person the patient wants present"), max_length=200, required=False
    )
    not_present = forms.CharField(
        label=_("People who must not be present"),
        max_length=500,
        required=False,
        widget=_textarea(),
        help_text=_("For example a companion, a relative, staff of a certain gender."),
    )
    setting_wishes = forms.CharField(
        label=_("Wishes about the setting"),
        max_length=500,
        required=False,
        widget=_textarea(),
        help_text=_("For example door closed, lights on, sitting up, a blanket."),
    )
    timing_wishes = forms.CharField(
        label=_("Wishes about timing"),
        max_length=500,
        required=False,
        widget=_textarea(),
        help_text=_("For example breaks, one step at a time, another day for some steps."),
    )
    do_not = forms.CharField(
        label=_("Things the patient asked us not to do"),
        max_length=1000,
        required=False,
        widget=_textarea(3),
    )


class ConsentForm(CleanTextMixin, forms.Form):
    """One decision of the patient (or guardian). Withdrawal has its own button. Nothing is
    chosen in advance: how consent was given, and by whom, is recorded as it happened."""

    scope = forms.ChoiceField(label=_("What for"), choices=Scope.choices)
    status = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (ConsentStatus.GIVEN, ConsentStatus.GIVEN.label),
            (ConsentStatus.DECLINED, ConsentStatus.DECLINED.label),
            (ConsentStatus.DEFERRED, ConsentStatus.DEFERRED.label),
        ],
        widget=forms.RadioSelect,
    )
    method = forms.ChoiceField(
        label=_("How"),
        choices=ConsentMethod.choices,
        widget=forms.RadioSelect,
    )
    given_by = forms.ChoiceField(
        label=_("Decided by"),
        choices=ConsentGiver.choices,
        widget=forms.RadioSelect,
    )
    interpreter_used = forms.BooleanField(
        label=_("Through a professional interpreter"), required=False
    )
    recipient = forms.CharField(
        label=_("Named recipient"),
        max_length=200,
        required=False,
        help_text=_("Only for sharing with a named organisation or attorney: who exactly."),
    )
    expires_at = forms.DateTimeField(
        label=_("Expires"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Optional."),
    )
    note = forms.CharField(label=_("Note"), max_length=1000, required=False, widget=_textarea())

    def __init__(self, *args: Any, adult: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "consent-%s")
        super().__init__(*args, **kwargs)
        if adult:  # an adult decides for themselves: nobody else's consent is offered
            del self.fields["given_by"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        scope = data.get("scope")
        if scope:
            named = consent_rules.SCOPES[scope].named_recipient
            if named and not data.get("recipient"):
                self.add_error(
                    "recipient",
                    _("Name the organisation or person the patient agreed to share with."),
                )
            elif data.get("recipient") and not named:
                self.add_error(
                    "recipient",
                    _("This consent is not for a named recipient: leave this empty."),
                )
        return data

    def clean_expires_at(self) -> datetime.datetime | None:
        value: datetime.datetime | None = self.cleaned_data.get("expires_at")
        if value is not None and value <= timezone.now():
            raise forms.ValidationError(_("An expiry date must be in the future."))
        return value


NOT_DONE = [
    (status.value, status.label)
    for status in (ExamStepStatus.DECLINED, ExamStepStatus.STOPPED, ExamStepStatus.SKIPPED)
]


class ExamStepForm(CleanTextMixin, forms.Form):
    """A part of the examination. Drawn twice: "done" offers only steps with every consent."""

    step = forms.ChoiceField(label=_("Step"), choices=ExamStepKind.choices)
    status = forms.ChoiceField(
        label=_("What happened"), choices=ExamStepStatus.choices, widget=forms.RadioSelect
    )
    told_can_stop = forms.BooleanField(
        label=_("The patient was told they can stop at any time"), required=False
    )
    normal_findings_told = forms.BooleanField(
        label=_("Normal findings were told to the patient"), required=False
    )
    note = forms.CharField(label=_("Note"), max_length=2000, required=False, widget=_textarea())

    def __init__(self, *args: Any, done: bool, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "exam-done-%s" if done else "exam-other-%s")
        super().__init__(*args, **kwargs)
        if done:
            self.fields["status"].widget = forms.HiddenInput()
            self.initial["status"] = ExamStepStatus.DONE
        else:
            _offer_only(self.fields["status"], NOT_DONE)
            del self.fields["normal_findings_told"]

    def offer_steps(self, steps: Iterable[str]) -> None:
        """Offer only ``steps`` (those with every consent they need) in the step menu."""
        allowed = set(steps)
        _offer_only(self.fields["step"], [c for c in ExamStepKind.choices if c[0] in allowed])


class InjuryForm(CleanTextMixin, forms.Form):
    side = forms.ChoiceField(
        label=_("Front or back"),
        choices=BodySide.choices,
        widget=forms.RadioSelect,
        initial=BodySide.FRONT,
    )
    region = forms.ChoiceField(label=_("Where"), choices=BodyRegion.choices)
    kind = forms.ChoiceField(label=_("Kind of injury"), choices=InjuryKind.choices)
    healing = forms.ChoiceField(label=_("Healing stage"), choices=HealingStage.choices)
    size = forms.CharField(
        label=_("Size"), max_length=40, required=False, help_text=_("For example 2 x 3 cm.")
    )
    note = forms.CharField(label=_("Notes"), max_length=2000, required=False, widget=_textarea())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "injury-%s")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        side, region = data.get("side"), data.get("region")
        if side and region and not body_map.region_fits_side(region, side):
            self.add_error(
                "region",
                _("This region is on the back of the body, not the front.")
                if side == BodySide.FRONT
                else _("This region is on the front of the body, not the back."),
            )
        return data


class PhotoForm(forms.Form):
    photo = forms.FileField(
        label=_("Photograph"),
        help_text=_("JPEG, PNG or WebP, up to 10 MB. Location data is removed."),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )


class DisclosureForm(CleanTextMixin, forms.Form):
    """Sharing outside the care team. Drawn twice: on the patient's consent, or as a mandate."""

    kind = forms.ChoiceField(label=_("To whom"), choices=DisclosureKind.choices)
    recipient = forms.CharField(
        label=_("Recipient"),
        max_length=200,
        help_text=_("The organisation or office, and a person if known."),
    )
    basis = forms.ChoiceField(choices=DisclosureBasis.choices, widget=forms.HiddenInput)
    legal_basis = forms.CharField(
        label=_("Legal duty"),
        max_length=500,
        required=False,
        help_text=_("The law or duty that requires this report."),
    )
    adult_duty = forms.BooleanField(
        label=_("The patient is an adult, and the law requires this report anyway"),
        required=False,
        help_text=_(
            "Competent adults decide about reports themselves; some state laws require "
            "reporting certain injuries. Tick only if such a law applies."
        ),
    )
    shared = forms.CharField(label=_("What was shared"), max_length=2000, widget=_textarea(3))
    reference = forms.CharField(label=_("Reference number"), max_length=100, required=False)

    def __init__(self, *args: Any, basis: str, adult: bool | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"disclose-{basis}-%s")
        super().__init__(*args, **kwargs)
        self.initial["basis"] = basis
        if basis == DisclosureBasis.CONSENT:
            del self.fields["legal_basis"]
            del self.fields["adult_duty"]
        else:
            _offer_only(
                self.fields["kind"],
                [c for c in DisclosureKind.choices if c[0] in consent_rules.MANDATE_KINDS],
            )
            if not adult:  # the statement is only asked for a patient known to be an adult
                del self.fields["adult_duty"]

    def offer_kinds(self, kinds: Iterable[str]) -> None:
        """Offer only the kinds of sharing the patient's consent covers now."""
        covered = set(kinds)
        _offer_only(self.fields["kind"], [c for c in DisclosureKind.choices if c[0] in covered])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("basis") == DisclosureBasis.MANDATE and not data.get("legal_basis"):
            self.add_error("legal_basis", _("Name the law or duty that requires this report."))
        return data


class SummaryForm(forms.Form):
    """What goes on the printed after-visit summary: only what the patient chooses, in the
    language they read (their preferred language when Lantern has it)."""

    language = forms.ChoiceField(
        label=_("Language of the page"),
        choices=(),
        widget=forms.RadioSelect,
        required=False,
    )
    visit_date = forms.BooleanField(label=_("Date of the visit"), required=False)
    clinic_name = forms.BooleanField(label=_("Name of the clinic"), required=False)
    visit_kind = forms.BooleanField(
        label=_("Kind of visit (for example “Follow-up”)"), required=False
    )
    instructions = forms.BooleanField(label=_("Instructions for the patient"), required=False)
    hotline = forms.BooleanField(
        label=_("National Human Trafficking Hotline number"),
        required=False,
        help_text=_("Only if the patient wants it: a paper with this number could be found."),
    )

    def __init__(self, *args: Any, patient_language: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Each language named in itself: the patient may be the one choosing.
        self.fields["language"].choices = [  # type: ignore[attr-defined]
            (code, get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES
        ]
        printable = {code for code, _name in settings.LANGUAGES}
        if patient_language in printable:
            self.fields["language"].initial = patient_language
        else:
            self.fields["language"].help_text = _(
                "The page cannot be printed in the patient's preferred language yet: ask "
                "which of these they read."
            )

    def printed(self) -> list[str]:
        """What was chosen to be printed, by name (nothing, for a form that is not valid)."""
        chosen = self.cleaned_data if self.is_valid() else {}
        return sorted(name for name, wanted in chosen.items() if name != "language" and wanted)

    def print_language(self) -> str:
        """The language chosen, else the patient's if it can be printed, else the page's."""
        chosen = self.cleaned_data.get("language") if self.is_valid() else ""
        initial = self.fields["language"].initial
        return str(chosen or initial or get_language() or settings.LANGUAGE_CODE)


def _moment_input() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _shown(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


class FollowUpAssessmentForm(forms.Form):
    """What the visit found and gave that decides the follow-up (the protocol's facts).

    Times are refused with a precise message when they are in the future, before the
    patient's birth, or out of order; the form then comes back with what was typed.
    """

    exposure_time = forms.ChoiceField(
        label=_("Time of the assault or exposure"),
        choices=ExposureTime.choices,
        widget=forms.RadioSelect,
    )
    exposure_at = forms.DateTimeField(
        label=_("When it happened"),
        required=False,
        widget=_moment_input(),
        help_text=_("Known or approximate: the date and time. Unknown: leave empty."),
    )
    npep = forms.ChoiceField(
        label=_("HIV nPEP"), choices=NpepStart.choices, widget=forms.RadioSelect
    )
    npep_started_at = forms.DateTimeField(
        label=_("First nPEP dose taken at"), required=False, widget=_moment_input()
    )
    ec_given = forms.BooleanField(label=_("Emergency contraception given"), required=False)
    prophylaxis_given = forms.BooleanField(label=_("STI prophylaxis given"), required=False)
    hiv_status = forms.ChoiceField(
        label=_("HIV status"), choices=HivStatus.choices, widget=forms.RadioSelect
    )
    hiv_test_generation = forms.ChoiceField(
        label=_("Baseline HIV test"), choices=HivTestGeneration.choices, required=False
    )
    pregnancy = forms.ChoiceField(
        label=_("Pregnancy"), choices=Pregnancy.choices, widget=forms.RadioSelect
    )
    hbv_immune = forms.ChoiceField(
        label=_("Hepatitis B immunity"), choices=HbvImmunity.choices, widget=forms.RadioSelect
    )
    hbv_doses_before = forms.IntegerField(
        label=_("Hepatitis B vaccine doses before this visit"), min_value=0, max_value=10
    )
    hbv_dose_given = forms.BooleanField(
        label=_("Hepatitis B vaccine dose given at this visit"), required=False
    )
    hpv_doses_before = forms.IntegerField(
        label=_("HPV vaccine doses before this visit"), min_value=0, max_value=10
    )
    hpv_dose_given = forms.BooleanField(
        label=_("HPV vaccine dose given at this visit"), required=False
    )
    sores = forms.BooleanField(label=_("Genital or anal sores"), required=False)
    discharge = forms.BooleanField(label=_("Discharge"), required=False)
    bleeding = forms.BooleanField(label=_("Bleeding"), required=False)
    warts = forms.BooleanField(label=_("Warts"), required=False)
    chronic_conditions = forms.MultipleChoiceField(
        label=_("Long-term conditions needing medication"),
        choices=ChronicCondition.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    SIGNS = ("sores", "discharge", "bleeding", "warts")

    def __init__(
        self,
        *args: Any,
        birth_date: datetime.date | None = None,
        male: bool = False,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("auto_id", "follow-up-%s")
        super().__init__(*args, **kwargs)
        self.birth_date, self.male = birth_date, male

    def signs(self) -> list[forms.BoundField]:
        return [self[name] for name in self.SIGNS]

    def _check_moment(self, name: str, what: str) -> datetime.datetime | None:
        value: datetime.datetime | None = self.cleaned_data.get(name)
        if value is None:
            return None
        now = timezone.now()
        if value > now:
            self.add_error(
                name,
                _("%(what)s %(typed)s is in the future: it is now %(now)s.")
                % {"what": what, "typed": _shown(value), "now": _shown(now)},
            )
            return None
        if self.birth_date is not None and timezone.localtime(value).date() < self.birth_date:
            self.add_error(
                name,
                _("%(what)s %(typed)s is before the patient's date of birth (%(birth)s).")
                % {
                    "what": what,
                    "typed": _shown(value),
                    "birth": self.birth_date.isoformat(),
                },
            )
            return None
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        exposure = self._check_moment("exposure_at", str(_("The exposure time")))
        started = self._check_moment("npep_started_at", str(_("The nPEP start")))
        kind = data.get("exposure_time")
        if kind in (ExposureTime.EXACT, ExposureTime.APPROXIMATE) and not data.get("exposure_at"):
            if "exposure_at" not in self.errors:
                self.add_error("exposure_at", _("Enter when it happened, or choose “Unknown”."))
        elif kind == ExposureTime.UNKNOWN and data.get("exposure_at"):
            self.add_error(
                "exposure_at",
                _("The time is marked unknown: leave this empty, or choose known or approximate."),
            )
        npep = data.get("npep")
        if npep in (NpepStart.HERE, NpepStart.ELSEWHERE) and not data.get("npep_started_at"):
            if "npep_started_at" not in self.errors:
                self.add_error("npep_started_at", _("Enter when the first nPEP dose was taken."))
        elif npep == NpepStart.NOT_STARTED and data.get("npep_started_at"):
            self.add_error("npep_started_at", _("nPEP is marked not started: leave this empty."))
        if exposure and started and started < exposure:
            self.add_error(
                "npep_started_at",
                _("nPEP started %(started)s, before the exposure (%(exposure)s).")
                % {"started": _shown(started), "exposure": _shown(exposure)},
            )
        if data.get("hiv_status") == HivStatus.POSITIVE and npep in (
            NpepStart.HERE,
            NpepStart.ELSEWHERE,
        ):
            self.add_error("npep", _("nPEP is not for someone living with HIV."))
        if self.male and data.get("pregnancy") == Pregnancy.PREGNANT:
            self.add_error("pregnancy", _("The registry records this patient as male at birth."))
        return data
