"""Forms for care plans: manual activities, status, owner, appointments, protocol copies."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lantern.accounts.models import User
from lantern.careplans import protocols
from lantern.careplans.models import Category, Status
from lantern.core.forms import CleanTextMixin

# Manual activities: the kinds the guide names, each in its area of whole-person care.
MANUAL_KINDS: dict[str, tuple[Any, str]] = {
    "housing": (_("Housing"), Category.SOCIAL),
    "legal": (_("Legal help"), Category.PRACTICAL),
    "counseling": (_("Counseling"), Category.MENTAL),
    "peer-group": (_("Peer support group"), Category.SOCIAL),
    "medication": (_("Medication"), Category.PHYSICAL),
    "other": (_("Other"), Category.PRACTICAL),
}


def _moment_input() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class OwnerChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.display_name} ({obj.get_role_display()})"


class ActivityForm(CleanTextMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[(code, label) for code, (label, _area) in MANUAL_KINDS.items()]
    )
    title = forms.CharField(label=_("What"), max_length=200)
    due = forms.DateTimeField(label=_("Due"), widget=_moment_input())
    owner = OwnerChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    rationale = forms.CharField(
        label=_("Why"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, owners: QuerySet[User], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "activity-%s")
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners  # type: ignore[attr-defined]

    @property
    def category(self) -> str:
        return str(MANUAL_KINDS[self.cleaned_data["kind"]][1])


class StatusForm(CleanTextMixin, forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Status.choices)
    note = forms.CharField(label=_("Note"), max_length=1000, required=False)


class OwnerForm(forms.Form):
    owner = OwnerChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)

    def __init__(
        self,
        *args: Any,
        owners: QuerySet[User],
        choices: list[tuple[Any, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["owner"]
        field.queryset = owners  # type: ignore[attr-defined]
        if choices is not None:
            # A plan shows one of these per activity: the owners are read once for them all.
            field.choices = choices  # type: ignore[attr-defined]

    @staticmethod
    def choices_for(owners: QuerySet[User]) -> list[tuple[Any, str]]:
        """The owner menu, read once, for many forms over the same owners."""
        field = OwnerChoiceField(queryset=owners, required=False)
        return [(value, str(label)) for value, label in field.iterator(field)]


class AppointmentForm(CleanTextMixin, forms.Form):
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=_moment_input())
    place = forms.CharField(label=_("Where"), max_length=200, required=False)
    notes = forms.CharField(label=_("Notes"), max_length=1000, required=False)

    def clean_starts_at(self) -> Any:
        value = self.cleaned_data["starts_at"]
        if value < timezone.now() - datetime.timedelta(days=1):
            raise forms.ValidationError(_("An appointment is booked for now or later."))
        return value


class ProtocolCopyForm(CleanTextMixin, forms.Form):
    new_id = forms.SlugField(
        label=_("Id of the clinic's copy"),
        max_length=60,
        help_text=_("Lower-case letters, digits and hyphens, e.g. riverside-sa-followup."),
    )


def _protocol_json(text: str) -> Any:
    """The JSON in ``text`` within the protocols' size and nesting limits, or a form error
    saying which limit it passes (the text stays in the field as typed)."""
    try:
        return protocols.read_json(text)
    except protocols.JsonTextError as error:
        raise forms.ValidationError(
            _("Refused: %(reason)s") % {"reason": error.reason}, code="json"
        ) from None


class ProtocolEditForm(forms.Form):
    protocol = forms.CharField(
        label=_("Protocol (lantern-protocol/1 JSON)"),
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false"}),
    )

    def clean_protocol(self) -> Any:
        return _protocol_json(self.cleaned_data["protocol"])


class DryRunForm(forms.Form):
    facts = forms.CharField(
        label=_("Facts (JSON)"), widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"})
    )

    def clean_facts(self) -> Any:
        return _protocol_json(self.cleaned_data["facts"])
