"""Nothing typed is lost without a word: no text cut short at a field's length, no age
value dropped in silence, one message for one problem."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from lantern.encounters.forms import CarePreferencesForm
from lantern.encounters.models import CarePreferences
from lantern.patients.forms import PatientDetailsForm
from lantern.patients.models import Patient
from tests.patients.test_registration_views import URL as REGISTER
from tests.patients.test_registration_views import form_data

LONG = "Do not leave the door open; " * 20  # 560 characters, over the 500 allowed


def test_no_text_field_lets_the_browser_cut_text_short(personas, client_for):
    page = client_for(personas.clinician).get(
        reverse("encounters:preferences", args=[personas.patient.pk])
    )
    text = page.content.decode()
    assert 'name="setting_wishes"' in text
    assert "maxlength" not in text
    assert re.search(r'name="setting_wishes"[^>]*data-limit="500"', text)
    assert "Up to 500 characters." in text


def test_text_over_the_limit_is_refused_with_a_message_and_kept_as_typed(personas, client_for):
    client = client_for(personas.clinician)
    url = reverse("encounters:preferences", args=[personas.patient.pk])
    response = client.post(url, {"setting_wishes": LONG})
    page = response.content.decode()
    assert response.status_code == 200
    assert f"Ensure this value has at most 500 characters (it has {len(LONG.strip())})." in page
    assert LONG.strip() in page  # all of it, for the nurse to shorten
    assert not CarePreferences.objects.exists()


def test_every_long_text_field_states_its_limit():
    form = CarePreferencesForm()
    for name in ("not_present", "setting_wishes", "timing_wishes", "do_not"):
        field = form.fields[name]
        assert f"Up to {field.max_length} characters." in str(field.help_text), name
        assert "maxlength" not in field.widget.attrs


def test_a_nul_character_gives_one_message(personas, client_for):
    client = client_for(personas.clinician)
    url = reverse("encounters:preferences", args=[personas.patient.pk])
    response = client.post(url, {"support_person": "Ana\x00"})
    page = response.content.decode()
    assert page.count("Remove the invisible control character (code U+0000).") == 2  # summary
    assert "Null characters are not allowed" not in page
    form = PatientDetailsForm({"preferred_name": "Ana\x00"})
    assert form.errors["preferred_name"] == [
        "Remove the invisible control character (code U+0000)."
    ]


@pytest.mark.parametrize(
    ("kind", "typed", "kept", "dropped"),
    [
        (
            "estimated",
            {"birth_date": "2001-03-31", "estimated_age": "24"},
            "Saved with the estimated age (24).",
            "The exact date of birth also on the form (2001-03-31) was not kept.",
        ),
        (
            "exact",
            {"birth_date": "2001-03-31", "estimated_age": "24"},
            "Saved with the exact date of birth.",
            "The estimated age also on the form (24) was not kept.",
        ),
        (
            "unknown",
            {"birth_date": "2001-03-31", "estimated_age": ""},
            "Saved with the age unknown.",
            "The exact date of birth also on the form (2001-03-31) was not kept.",
        ),
    ],
)
def test_registering_says_which_age_value_was_kept(
    personas, client_for, kind, typed, kept, dropped
):
    client = client_for(personas.clinician)
    response = client.post(
        REGISTER, form_data(personas, birth_date_kind=kind, mrn="", **typed), follow=True
    )
    page = response.content.decode()
    assert "Patient registered." in page
    assert kept in page
    assert dropped in page
    assert "change “Date of birth” and save again" in page
    patient = Patient.objects.exclude(pk=personas.patient.pk).get()
    assert patient.birth_date_kind == kind


def test_editing_says_which_age_value_was_kept(personas, client_for):
    client = client_for(personas.clinician)
    url = reverse("patients:edit", args=[personas.patient.pk])
    data = {
        key: value
        for key, value in form_data(personas).items()
        if key in PatientDetailsForm.base_fields
    }
    data |= {"birth_date_kind": "estimated", "birth_date": "1998-04-17", "estimated_age": "27"}
    page = client.post(url, data, follow=True).content.decode()
    assert "Saved with the estimated age (27)." in page
    assert "The exact date of birth also on the form (1998-04-17) was not kept." in page
    personas.patient.refresh_from_db()
    assert personas.patient.birth_date is None


def test_a_form_with_one_age_value_says_nothing_more(personas, client_for):
    page = (
        client_for(personas.clinician)
        .post(REGISTER, form_data(personas, mrn=""), follow=True)
        .content.decode()
    )
    assert "Patient registered." in page
    assert "was not kept" not in page
