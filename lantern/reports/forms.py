"""The report's filters: a clinic (or the whole health system) and a range of months.

A GET form, so a report can be bookmarked and its export repeats the same filters. A month
is written ``YYYY-MM``; anything else is refused with a message that says what to type, and
the form keeps what was typed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lantern.accounts.models import Clinic
from lantern.core.forms import CleanTextMixin
from lantern.reports.services import months_between, months_ending

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
MOST_MONTHS = 36
DEFAULT_MONTHS = 12
FORMATS = (("csv", "CSV"), ("xlsx", "XLSX"))


def _month(value: str) -> str:
    found = MONTH.match(value)
    if not found or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 1900:
        raise forms.ValidationError(
            _("Enter the month as YYYY-MM, for example 2026-03 (“%(value)s” is not a month)."),
            code="month",
            params={"value": value},
        )
    return value


class ReportFilterForm(CleanTextMixin, forms.Form):
    clinic = forms.TypedChoiceField(label=_("Clinic"), coerce=int, empty_value=None, required=False)
    start = forms.CharField(
        label=_("First month"), required=False, help_text=_("As YYYY-MM, for example 2026-01.")
    )
    end = forms.CharField(
        label=_("Last month"), required=False, help_text=_("As YYYY-MM, for example 2026-12.")
    )

    def __init__(self, *args: Any, clinics: Sequence[Clinic], this_month: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.clinics = {clinic.pk: clinic for clinic in clinics}
        self.this_month = this_month
        field: Any = self.fields["clinic"]
        field.choices = [("", _("All clinics of the health system"))] + [
            (clinic.pk, clinic.name) for clinic in clinics
        ]

    def clean_start(self) -> str:
        value: str = self.cleaned_data.get("start") or ""
        return _month(value) if value else ""

    def clean_end(self) -> str:
        value: str = self.cleaned_data.get("end") or ""
        return _month(value) if value else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start is None or end is None:
            return data  # a month was refused: its message says why
        end = end or self.this_month
        start = start or months_ending(end, DEFAULT_MONTHS)[0]
        if start > end:
            self.add_error(
                "end",
                forms.ValidationError(
                    _("The last month (%(end)s) is before the first month (%(start)s)."),
                    code="order",
                    params={"start": start, "end": end},
                ),
            )
        elif len(months_between(start, end)) > MOST_MONTHS:
            self.add_error(
                "end",
                forms.ValidationError(
                    _("Choose at most %(most)s months; %(start)s to %(end)s is %(count)s."),
                    code="long",
                    params={
                        "most": MOST_MONTHS,
                        "start": start,
                        "end": end,
                        "count": len(months_between(start, end)),
                    },
                ),
            )
        data["start"], data["end"] = start, end
        return data

    @property
    def chosen_clinic(self) -> Clinic | None:
        return self.clinics.get(self.cleaned_data.get("clinic") or 0)

    @property
    def months(self) -> list[str]:
        return months_between(self.cleaned_data["start"], self.cleaned_data["end"])


class ExportForm(ReportFilterForm):
    format = forms.ChoiceField(label=_("Format"), choices=FORMATS)
