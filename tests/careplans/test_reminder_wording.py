"""The wording a patient approved, and their code word, go into every reminder by that
channel: words that reveal the kind of care (however written) and invisible characters that
could hide them are refused on the form, with what was typed kept, and never sent."""

from __future__ import annotations

import datetime
import html
import json

import pytest
from django.urls import reverse

from lantern.careplans.reminders import wording
from lantern.careplans.reminders.wording import (
    WORDS_FILE,
    invisible_character,
    is_neutral,
    render,
    revealing_word,
)
from lantern.patients.models import ContactChannel


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Your HIV results", "hiv"),
        ("Su prueba de VIH", "prueba"),
        ("Consejería el martes", "consejeria"),
        ("See you at the CLÍNICA", "clinica"),
        ("About your pregnancy", "pregnancy"),
        ("About the assault", "assault"),
        ("Tráfico de personas", "trafico de personas"),
        ("Your PEP is ready", "pep"),
        ("STIs", "stis"),
        ("H I V", "h i v"),
        ("h.i.v.", "h.i.v"),
        ("P-E-P pick up", "p-e-p"),
        ("c o u n s e l i n g", "c o u n s e l i n g"),
        ("\uff28\uff29\uff36", "hiv"),  # full-width letters
    ],
)
def test_revealing_words_are_found_however_they_are_written(text, found):
    assert revealing_word(text) == found
    assert not is_neutral(text)


@pytest.mark.parametrize(
    "text",
    ["See you soon, Ana.", "We still have your place.", "Label the box", "Hasta el martes"],
)
def test_ordinary_words_that_begin_like_short_ones_pass(text):
    assert revealing_word(text) is None
    assert is_neutral(text)


@pytest.mark.parametrize("char", ["\u200b", "\u200d", "\u202e", "\u2066", "\ufeff"])
def test_invisible_characters_make_a_text_not_neutral(char):
    text = f"See you H{char}IV"
    assert invisible_character(text) == f"U+{ord(char):04X}"
    assert not is_neutral(text)
    assert not is_neutral(render("follow-up", "en", approved_wording=f"See{char} you"))


def test_the_word_list_is_one_data_file_in_english_and_spanish():
    data = json.loads(WORDS_FILE.read_text(encoding="utf-8"))
    assert data["format"] == "lantern-revealing-words/1"
    assert set(data["stems"]) == set(data["words"]) == {"en", "es"}
    assert "hiv" in data["words"]["en"]
    assert "consejer" in data["stems"]["es"]
    assert set(wording.NOT_NEUTRAL) >= {"hiv", "vih", "traffick", "counsel", "trata"}


# --- The channel form ----------------------------------------------------------------------


def channel_form(**overrides):
    return {
        "safety": "safe",
        "destination": "+1 555 0100",
        "voicemail_allowed": "",
        "code_word": "lighthouse",
        "approved_wording": "See you soon.",
        "confirmed_at": datetime.date.today().isoformat(),
        "window-TOTAL_FORMS": "1",
        "window-INITIAL_FORMS": "0",
    } | overrides


def post_channel(personas, client_for, **overrides):
    client = client_for(personas.clinician)
    url = reverse("patients:contact_channel", args=[personas.patient.pk, "sms"])
    return client.post(url, channel_form(**overrides))


@pytest.mark.parametrize(
    ("typed", "word"),
    [
        ("Your H I V results are in", "result"),
        ("Recordatorio de su cita de consejería", "consejeria"),
        ("Time for your P.E.P.", "p.e.p"),
        ("Clinic visit tomorrow", "clinic"),
    ],
)
def test_wording_that_reveals_the_care_is_refused_and_kept_as_typed(
    personas, client_for, typed, word
):
    response = post_channel(personas, client_for, approved_wording=typed)
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert f"“{word}" in page
    assert "could tell whoever sees the message what kind of care it is about" in page
    assert typed in page  # the textarea shows what was typed
    assert not ContactChannel.objects.filter(patient=personas.patient).exists()


def test_a_joiner_hiding_a_word_is_refused_with_its_code(personas, client_for):
    typed = "See you H\u200dIV"
    response = post_channel(personas, client_for, approved_wording=typed)
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "Remove the invisible character (code U+200D)" in page
    assert not ContactChannel.objects.filter(patient=personas.patient).exists()


def test_a_bidi_override_is_refused_with_its_code(personas, client_for):
    response = post_channel(personas, client_for, approved_wording="See you \u202eVIH")
    assert "(code U+202E)" in html.unescape(response.content.decode())
    assert not ContactChannel.objects.filter(patient=personas.patient).exists()


def test_a_revealing_code_word_is_refused_too(personas, client_for):
    response = post_channel(personas, client_for, code_word="vih")
    assert response.status_code == 200
    assert "“vih”" in html.unescape(response.content.decode())


def test_neutral_wording_is_saved(personas, client_for):
    assert post_channel(personas, client_for, approved_wording="See you soon.").status_code == 302
    channel = ContactChannel.objects.get(patient=personas.patient, channel="sms")
    assert channel.approved_wording == "See you soon."


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("\U0001d407\U0001d408\U0001d415 results", "hiv"),  # mathematical bold capitals
        ("\u1d34\u1d35\u2c7d", "hiv"),  # superscript capitals
        ("\U0001f177\U0001f178\U0001f185", "hiv"),  # negative squared letters
        ("\u041d\u0406V", "hiv"),  # Cyrillic EN and I: drawn as H and I
        ("See you at the \u0441linic", "clinic"),  # Cyrillic es
        ("\u0397\u0399V", "hiv"),  # Greek capitals eta and iota
        ("h\u0131v", "hiv"),  # dotless i
        ("H_I_V", "h_i_v"),
        ("HIV_test", "hiv_test"),
    ],
)
def test_lookalike_letters_and_underscores_do_not_hide_a_word(text, found):
    assert revealing_word(text) == found
    assert not is_neutral(text)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Your HIVtest", "hiv"),  # capitals then small letters: a new word begins
        ("Bring the testHIV form", "test"),
        ("PEPpills", "pep"),
        ("hivtest", "hivtest"),  # a listed word run into another, in one case
        ("stdclinic", "stdclinic"),
        ("VIHprueba", "vih"),
        ("H1V", "hiv"),  # digits written for letters
        ("P3P", "pep"),
        ("s7d", "std"),
        ("c1inic", "clinic"),  # a one for an l
        ("pr3gnancy", "pregnancy"),
        ("C0NSEJERIA", "consejeria"),
    ],
)
def test_run_together_words_and_digits_for_letters_do_not_hide_a_word(text, found):
    assert revealing_word(text) == found
    assert not is_neutral(text)


@pytest.mark.parametrize(
    "text",
    [
        "See you at 10:30 on the 8th, room 5B, 1st floor",
        "Please prepare your papers",
        "Pepper and stickers",
        "Labour day: we are open",
        "Ask for McDonald at 4pm",
        "El 3 de mayo a las 10:00",
    ],
)
def test_numbers_and_words_that_start_like_listed_ones_pass(text):
    assert is_neutral(text)


@pytest.mark.parametrize(
    "text", ["Привет", "Código: Ana", "Hasta el miércoles", "Ελπίδα", "snake_case"]
)
def test_words_in_other_alphabets_that_reveal_nothing_pass(text):
    assert is_neutral(text)


@pytest.mark.parametrize("char", ["\u034f", "\ufe0f", "\u3164", "\u115f", "\U000e0100"])
def test_characters_drawn_as_nothing_make_a_text_not_neutral(char):
    text = f"See you H{char}IV"
    assert invisible_character(text) == f"U+{ord(char):04X}"
    assert not is_neutral(text)


def test_a_code_word_in_lookalike_letters_is_refused(personas, client_for):
    response = post_channel(personas, client_for, code_word="\u041d\u0406V")  # Cyrillic
    assert response.status_code == 200
    assert "could tell whoever sees the message" in html.unescape(response.content.decode())
    assert not ContactChannel.objects.filter(patient=personas.patient).exists()


def test_a_variation_selector_hiding_a_word_is_refused_with_its_code(personas, client_for):
    response = post_channel(personas, client_for, approved_wording="See you H\ufe0fIV")
    assert "(code U+FE0F)" in html.unescape(response.content.decode())
    assert not ContactChannel.objects.filter(patient=personas.patient).exists()
