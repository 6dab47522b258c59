"""Forms of a referral. Nothing beyond the default items is ticked in advance."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lantern.core.forms import CleanTextMixin
from lantern.encounters.choices import ConsentMethod, ConsentStatus
from lantern.referrals import sharing
from lantern.referrals.models import ReferralSettings, ReferralStatus
from lantern.referrals.models.referral import PARTNER_ANSWERS

TEXTAREA = forms.Textarea(attrs={"rows": 3})


class OnTheReferralPage(forms.Form):
    """A form of the referral page, which shows several: each has its own element ids, so
    that every label names its own field ("status" is both the consent's and the referral's)."""

    ids = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.ids}-%s")
        super().__init__(*args, **kwargs)


class StartForm(forms.Form):
    """Which active service of the directory the referral goes to."""

    service = forms.UUIDField(widget=forms.HiddenInput)


class ShareForm(CleanTextMixin, OnTheReferralPage):
    ids = "share"

    items = forms.MultipleChoiceField(
        label=_("What goes with the referral"),
        choices=sharing.ShareItem.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_(
            "By default only the first name and the safe way to reach the person. Add "
            "anything else only if the person needs it to be helped, and only with consent."
        ),
    )
    message = forms.CharField(
        label=_("Message for the organisation"),
        max_length=1000,
        required=False,
        widget=TEXTAREA,
        help_text=_("Sent only if “A message for the organisation” is ticked. No diagnosis."),
    )


class ReferralConsentForm(CleanTextMixin, OnTheReferralPage):
    """The patient's decision about sharing these items with the organisation."""

    ids = "consent"

    status = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (ConsentStatus.GIVEN, ConsentStatus.GIVEN.label),
            (ConsentStatus.DECLINED, ConsentStatus.DECLINED.label),
            (ConsentStatus.DEFERRED, ConsentStatus.DEFERRED.label),
            (ConsentStatus.WITHDRAWN, ConsentStatus.WITHDRAWN.label),
        ],
        widget=forms.RadioSelect,
    )
    method = forms.ChoiceField(
        label=_("How"), choices=ConsentMethod.choices, widget=forms.RadioSelect
    )
    items = forms.MultipleChoiceField(
        label=_("The patient agrees to share"),
        choices=sharing.ShareItem.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Tick each item the patient agreed to, one by one."),
    )
    interpreter_used = forms.BooleanField(
        label=_("Through a professional interpreter"), required=False
    )
    note = forms.CharField(label=_("Note"), max_length=1000, required=False, widget=TEXTAREA)

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if cleaned.get("status") == ConsentStatus.GIVEN and not cleaned.get("items"):
            self.add_error("items", _("Tick what the patient agreed to share."))
        return cleaned


class HandoffForm(CleanTextMixin, OnTheReferralPage):
    ids = "handoff"

    text = forms.CharField(
        label=_("Hand-off note"),
        max_length=2000,
        widget=TEXTAREA,
        help_text=_("Who you spoke with and what was arranged. Kept by the clinic, never sent."),
    )


class StatusForm(CleanTextMixin, OnTheReferralPage):
    """Staff record an answer the partner gave by phone, or cancel the referral."""

    ids = "status"

    status = forms.ChoiceField(
        label=_("New status"),
        choices=[
            (status.value, status.label)
            for status in ReferralStatus
            if status in (*PARTNER_ANSWERS, ReferralStatus.CANCELLED)
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), max_length=1000, required=False, widget=TEXTAREA)


class PartnerAnswerForm(CleanTextMixin, forms.Form):
    code = forms.CharField(
        label=_("Code read to you by phone"),
        max_length=12,
        help_text=_("The clinic reads it to you when it calls. It works once."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    status = forms.ChoiceField(
        label=_("Your answer"),
        choices=[(status, ReferralStatus(status).label) for status in PARTNER_ANSWERS],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note for the clinic"),
        max_length=1000,
        required=False,
        widget=TEXTAREA,
        help_text=_("Optional. For example when the person can come."),
    )


class SlipForm(forms.Form):
    name_service = forms.BooleanField(
        label=_("The patient agrees that the slip names the service"),
        required=False,
        help_text=_(
            "Without it the slip says only the date, and that the person who gave it can tell more."
        ),
    )


class SettingsForm(forms.ModelForm[ReferralSettings]):
    class Meta:
        model = ReferralSettings
        fields = ("link_days", "answer_days")

    def clean_link_days(self) -> int:
        days = int(self.cleaned_data["link_days"])
        if not 1 <= days <= 90:
            raise forms.ValidationError(_("Between 1 and 90 days."))
        return days

    def clean_answer_days(self) -> int:
        days = int(self.cleaned_data["answer_days"])
        if not 1 <= days <= 90:
            raise forms.ValidationError(_("Between 1 and 90 days."))
        return days
