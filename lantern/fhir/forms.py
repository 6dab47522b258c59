"""The administrator's form for registering a system that may use the FHIR API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from lantern.accounts.models import Clinic
from lantern.core import json_input
from lantern.fhir import scopes
from lantern.fhir.models import Disclosure
from lantern.fhir.resources import REGISTRY

READ_SCOPES = [(f"system/{name}.rs", f"system/{name}.rs") for name in REGISTRY]
EXTRA_SCOPES = [
    ("system/QuestionnaireResponse.c", "system/QuestionnaireResponse.c"),
    (scopes.IDENTITY, _("%(scope)s: names and record numbers") % {"scope": scopes.IDENTITY}),
]


class ApiClientForm(forms.Form):
    name = forms.CharField(label=_("Name of the system"), max_length=100)
    clinic = forms.ModelChoiceField(
        label=_("Clinic"),
        queryset=Clinic.objects.none(),
        help_text=_("The system sees only this clinic's patients."),
    )
    disclosure = forms.ChoiceField(
        label=_("What it receives"),
        choices=Disclosure.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Each patient's consent to this kind of sharing decides whether the system sees "
            "them. Names are never sent for de-identified reporting."
        ),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Allowed scopes"),
        choices=READ_SCOPES + EXTRA_SCOPES,
        widget=forms.CheckboxSelectMultiple,
    )
    jwks = forms.CharField(
        label=_("Public keys (JWKS)"),
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        help_text=_("The system's public key set as JSON: RSA or EC keys, never a private key."),
    )

    def __init__(self, *args: Any, clinics: QuerySet[Clinic], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["clinic"].queryset = clinics  # type: ignore[attr-defined]

    def clean_jwks(self) -> Any:
        try:
            return json_input.loads(self.cleaned_data["jwks"])
        except json_input.JsonInputError:
            raise forms.ValidationError(_("Paste the key set as JSON.")) from None
