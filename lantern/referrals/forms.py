"""Forms for searching and maintaining the directory. Nothing is ticked in advance."""

from __future__ import annotations

import datetime
from typing import Any, cast
from uuid import UUID

from django import forms
from django.utils.translation import gettext_lazy as _

from lantern.core.forms import CleanTextMixin
from lantern.patients.choices import LANGUAGES
from lantern.referrals import taxonomy
from lantern.referrals.languages import search_choices
from lantern.referrals.models import Location, LocationType, Organization, ServiceStatus
from lantern.referrals.schedules import DAY_LABELS
from lantern.referrals.search import DirectoryQuery
from lantern.referrals.services import Hours, PlaceDetails, ServiceDetails

TEXTAREA = forms.Textarea(attrs={"rows": 3})


def _choices(terms: tuple[taxonomy.LanternTerm, ...]) -> list[tuple[str, Any]]:
    return [(str(term.id), term.label) for term in terms]


def _uuids(values: list[str]) -> tuple[UUID, ...]:
    return tuple(UUID(value) for value in values)


class DirectorySearchForm(CleanTextMixin, forms.Form):
    q = forms.CharField(
        label=_("Words to look for"),
        max_length=200,
        required=False,
        help_text=_("For example the name of a service or an organisation."),
    )
    needs = forms.MultipleChoiceField(
        label=_("Help with"),
        choices=_choices(taxonomy.NEEDS),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    language = forms.ChoiceField(
        label=_("Language spoken"),
        choices=[("", _("Any language"))],
        required=False,
    )
    age = forms.IntegerField(
        label=_("Age of the person"), min_value=0, max_value=120, required=False
    )
    gender = forms.ChoiceField(
        label=_("Gender of the person"),
        choices=[("", _("Any")), *_choices(taxonomy.GENDERS)],
        required=False,
        help_text=_("Services open to every gender are always shown."),
    )
    flags = forms.MultipleChoiceField(
        label=_("Only services that"),
        choices=_choices(taxonomy.FLAGS),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    free_only = forms.BooleanField(label=_("Free of charge"), required=False)
    open_now = forms.BooleanField(label=_("Open now"), required=False)
    area = forms.CharField(
        label=_("Area served"),
        max_length=100,
        required=False,
        help_text=_("A town, county, region or postal code."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = cast(forms.ChoiceField, self.fields["language"])
        language.choices = [("", _("Any language")), *search_choices()]

    def query(self) -> DirectoryQuery:
        data = self.cleaned_data
        return DirectoryQuery(
            text=data["q"],
            needs=_uuids(data["needs"]),
            language=data["language"],
            age=data["age"],
            gender=UUID(data["gender"]) if data["gender"] else None,
            flags=_uuids(data["flags"]),
            free_only=data["free_only"],
            open_now=data["open_now"],
            area=data["area"],
        )


class AvailabilityForm(CleanTextMixin, forms.Form):
    note = forms.CharField(
        label=_("Availability note"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "What you last heard about capacity, e.g. beds free tonight or a waiting list."
        ),
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=ServiceStatus.choices)


class OrganizationForm(CleanTextMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    alternate_name = forms.CharField(label=_("Other name"), max_length=200, required=False)
    description = forms.CharField(
        label=_("Description"), max_length=2000, required=False, widget=TEXTAREA
    )
    email = forms.EmailField(label=_("Email"), required=False)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    phone = forms.CharField(label=_("Main phone number"), max_length=40, required=False)

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("phone")
        return data


ADDRESS_FIELDS = ("address_1", "address_2", "city", "state_province", "postal_code", "country")
REQUIRED_ADDRESS = ("address_1", "city", "state_province", "postal_code", "country")


class LocationForm(CleanTextMixin, forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organization.objects.none()
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    location_type = forms.ChoiceField(label=_("Kind of location"), choices=LocationType.choices)
    address_1 = forms.CharField(label=_("Street address"), max_length=200, required=False)
    address_2 = forms.CharField(label=_("Address line 2"), max_length=200, required=False)
    city = forms.CharField(label=_("Town or city"), max_length=100, required=False)
    state_province = forms.CharField(label=_("State or province"), max_length=100, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    country = forms.CharField(
        label=_("Country"),
        max_length=2,
        min_length=2,
        required=False,
        help_text=_("Two-letter code, e.g. US."),
    )
    transportation = forms.CharField(
        label=_("Getting there"), max_length=1000, required=False, widget=TEXTAREA
    )
    accessibility = forms.CharField(
        label=_("Accessibility"), max_length=1000, required=False, widget=TEXTAREA
    )

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["organization"])  # type: ignore[type-arg]
        field.queryset = organizations

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if any(data.get(name) for name in ADDRESS_FIELDS):
            for name in REQUIRED_ADDRESS:
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, _("A full address needs this too."))
        if data.get("country"):
            data["country"] = data["country"].upper()
        return data

    def details(self) -> PlaceDetails:
        data = self.cleaned_data
        return PlaceDetails(
            values={
                "organization": data["organization"],
                "name": data["name"],
                "location_type": data["location_type"],
                "transportation": data["transportation"],
            },
            address={name: data[name] for name in ADDRESS_FIELDS},
            accessibility=data["accessibility"],
        )


class ServiceForm(CleanTextMixin, forms.Form):
    name = forms.CharField(label=_("Name shown on screen"), max_length=200)
    alternate_name = forms.CharField(
        label=_("Official or other name"),
        max_length=200,
        required=False,
        help_text=_("Used in searches and exports, never shown on screen."),
    )
    description = forms.CharField(
        label=_("Description"), max_length=2000, required=False, widget=TEXTAREA
    )
    status = forms.ChoiceField(label=_("Status"), choices=ServiceStatus.choices)
    needs = forms.MultipleChoiceField(
        label=_("Helps with"),
        choices=_choices(taxonomy.NEEDS),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    genders = forms.MultipleChoiceField(
        label=_("Limited to"),
        choices=_choices(taxonomy.GENDERS),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked when the service is open to every gender."),
    )
    flags = forms.MultipleChoiceField(
        label=_("Eligibility"),
        choices=_choices(taxonomy.FLAGS),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    cost = forms.ChoiceField(
        label=_("Cost"),
        choices=[("", _("Not stated")), *_choices(taxonomy.COSTS)],
        required=False,
        widget=forms.RadioSelect,
    )
    minimum_age = forms.IntegerField(
        label=_("Youngest age served"), min_value=0, max_value=120, required=False
    )
    maximum_age = forms.IntegerField(
        label=_("Oldest age served"), min_value=0, max_value=120, required=False
    )
    eligibility_description = forms.CharField(
        label=_("Who can use it"), max_length=2000, required=False, widget=TEXTAREA
    )
    application_process = forms.CharField(
        label=_("How to get help"), max_length=2000, required=False, widget=TEXTAREA
    )
    fees_description = forms.CharField(
        label=_("Fees"), max_length=1000, required=False, widget=TEXTAREA
    )
    interpretation_services = forms.CharField(
        label=_("Interpretation"), max_length=500, required=False
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages spoken"),
        choices=[(code, label) for code, label in LANGUAGES if code != "other"],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    phone = forms.CharField(label=_("Phone number"), max_length=40, required=False)
    url = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    email = forms.EmailField(label=_("Email"), required=False)
    areas = forms.CharField(
        label=_("Areas served"),
        max_length=2000,
        required=False,
        widget=TEXTAREA,
        help_text=_("One per line: towns, counties, regions or postal codes."),
    )
    locations = forms.ModelMultipleChoiceField(
        label=_("Offered at"),
        queryset=Location.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    SCALARS = (
        "name",
        "alternate_name",
        "description",
        "status",
        "minimum_age",
        "maximum_age",
        "eligibility_description",
        "application_process",
        "fees_description",
        "interpretation_services",
        "url",
        "email",
    )

    def __init__(self, *args: Any, locations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelMultipleChoiceField, self.fields["locations"])  # type: ignore[type-arg]
        field.queryset = locations

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("minimum_age"), data.get("maximum_age")
        if low is not None and high is not None and low > high:
            self.add_error("maximum_age", _("The oldest age cannot be below the youngest."))
        return data

    def details(self, hours: list[Hours]) -> ServiceDetails:
        data = self.cleaned_data
        values = {name: data[name] for name in self.SCALARS}
        for name in ("minimum_age", "maximum_age"):
            values[name] = None if values[name] is None else float(values[name])
        areas = [line.strip() for line in data["areas"].splitlines() if line.strip()]
        return ServiceDetails(
            values=values,
            needs=_uuids(data["needs"]),
            terms=_uuids(
                [*data["genders"], *data["flags"], *([data["cost"]] if data["cost"] else [])]
            ),
            languages=list(data["languages"]),
            phone=data["phone"],
            hours=hours,
            areas=list(dict.fromkeys(areas)),
            locations=list(data["locations"]),
        )


class HoursForm(forms.Form):
    days = forms.MultipleChoiceField(
        label=_("Days"),
        choices=[(str(day), label) for day, label in enumerate(DAY_LABELS)],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    opens = forms.TimeField(
        label=_("Opens at"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    closes = forms.TimeField(
        label=_("Closes at"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
        help_text=_("The same time as opening means open around the clock."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        given = [
            bool(data.get("days")),
            data.get("opens") is not None,
            data.get("closes") is not None,
        ]
        if any(given) and not all(given):
            raise forms.ValidationError(_("Give the days, the opening time and the closing time."))
        return data

    def hours(self) -> Hours | None:
        data = self.cleaned_data
        if not data.get("days"):
            return None
        bits = sum(1 << int(day) for day in data["days"])
        opens, closes = cast(datetime.time, data["opens"]), cast(datetime.time, data["closes"])
        return Hours(bits, opens, closes)


HoursFormSet = forms.formset_factory(HoursForm, extra=0, min_num=3, max_num=7, absolute_max=7)
