"""The audit report's filter form (a GET form: filters live in the address, so they can be
bookmarked and the CSV export can repeat them)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lantern.audit.models import Action, Outcome
from lantern.audit.reports import DEFAULT_SORT, ReportFilters
from lantern.core.forms import CleanTextMixin

SORT_CHOICES = [
    ("-time", _("Newest first")),
    ("time", _("Oldest first")),
    ("user", _("User (A to Z)")),
    ("-user", _("User (Z to A)")),
    ("action", _("Action (A to Z)")),
    ("-action", _("Action (Z to A)")),
]


class AuditFilterForm(CleanTextMixin, forms.Form):
    user = forms.CharField(label=_("User name"), max_length=150, required=False)
    patient = forms.UUIDField(
        label=_("Patient id"),
        required=False,
        help_text=_("The patient's id as shown in this report."),
    )
    action = forms.ChoiceField(
        label=_("Action"), choices=[("", _("Any action")), *Action.choices], required=False
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[("", _("Any outcome")), *Outcome.choices], required=False
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sort = forms.ChoiceField(label=_("Sort by"), choices=SORT_CHOICES, required=False)
    # Where the page starts: the entry before it (or after it), by number; see keyset_page.
    after = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date must not be before the start date."))
        return data

    def filters(self) -> ReportFilters:
        """The validated filters; call only after ``is_valid()``."""
        data = self.cleaned_data
        return ReportFilters(
            user=data.get("user") or "",
            patient_id=data.get("patient"),
            action=data.get("action") or "",
            outcome=data.get("outcome") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            sort=data.get("sort") or DEFAULT_SORT,
        )
