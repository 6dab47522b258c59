"""The approved neutral wording of reminders to patients, in English and Spanish.

A message can be read by whoever holds the patient's phone or mailbox. So it names no
clinic, no kind of care, no test, no diagnosis and no one's role: only that something is
planned and when. Where the patient chose a code word, the message opens with it, so the
patient knows the message is the one they agreed to. A patient's own approved wording
(recorded on the channel) replaces the template, and is screened like everything sent.

The screening words are data a clinic can review, in one file, ``data/revealing-words.json``
(English and Spanish). ``revealing_word`` finds one, ignoring case and accents, and spelled
out letter by letter ("H I V", "p.e.p"); ``invisible_character`` finds a zero-width or bidi
character (Unicode Cf) that could hide one. A text with either is not neutral: the form
refuses it, and the policy withholds any message that holds one.
"""

from __future__ import annotations

import datetime
import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

LANGUAGES = ("en", "es")

TEMPLATES: dict[str, dict[str, str]] = {
    "appointment": {
        "en": "Reminder: you have an appointment on {when}. "
        "Reply or call if you need to change it.",
        "es": "Recordatorio: tiene una cita el {when}. Responda o llame si necesita cambiarla.",
    },
    "follow-up": {
        "en": "Hello, it is time to arrange your next visit. Please reply or call when you can.",
        "es": "Hola, es momento de programar su próxima visita. "
        "Por favor responda o llame cuando pueda.",
    },
}
SUBJECTS = {"en": "Reminder", "es": "Recordatorio"}
CODE_WORD = {"en": "Code word: {word}.", "es": "Palabra clave: {word}."}
WHEN = {"en": "On {when}.", "es": "El {when}."}

DAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
}
MONTHS = {
    "en": (
        "January", "February", "March", "April", "May", "June", "July", "August",
        "September", "October", "November", "December",
    ),
    "es": (
        "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
        "septiembre", "octubre", "noviembre", "diciembre",
    ),
}  # fmt: skip


# Letters of other alphabets drawn like Latin ones (Cyrillic EN and I for "HIV", Greek ETA), and
# Latin variants without a compatibility form: screened as the Latin letter they look like.
LOOKALIKES = str.maketrans(
    "АВЕЅІЈКМНОРСТХУаеѕіјһԁԛԝӏорсухкмнтвАВΕΖΗΙΚΜΝΟΡΤΥΧαικνορτυχγıȷɑɡɩ",
    "ABESIJKMHOPCTXYaesijhdqwlopcyxkmhtbABEZHIKMNOPTYXaiknoptuxyijagi",
)
# Enclosed letters with no compatibility form: squared, negative circled, negative squared.
LOOKALIKES.update({0x1F130 + i: 0x61 + i for i in range(26)})
LOOKALIKES.update({0x1F150 + i: 0x61 + i for i in range(26)})
LOOKALIKES.update({0x1F170 + i: 0x61 + i for i in range(26)})


# Where the case changes inside a word, a word run together with the next begins: "testHIV",
# "HIVtest" (two capitals or more, then two small letters or more: "STIs" is a plural),
# "PEPpills".
_CASE_CHANGE = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z]{2})(?=[a-z]{2})")


def _plain(text: str) -> str:
    """Lower case, compatibility forms folded (full-width, bold or superscript letters,
    ligatures), lookalike letters read as Latin ones, no accents, and a space where the
    case changes inside a word. Folded before lowering: a bold capital only becomes a plain
    capital when it is folded."""
    folded = _CASE_CHANGE.sub(" ", unicodedata.normalize("NFKD", text).translate(LOOKALIKES))
    decomposed = unicodedata.normalize("NFKD", folded.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


# Words that would tell a reader what kind of place sent the message or why: clinic-reviewable
# data, kept in one file (its "about" says how it is matched).
WORDS_FILE = Path(__file__).resolve().parent / "data" / "revealing-words.json"


@dataclass(frozen=True)
class RevealingWords:
    stems: tuple[str, ...]  # matched at the start of a word
    words: tuple[str, ...]  # matched as a whole word, or its plural with -s
    pattern: re.Pattern[str]  # in plain text
    spelled: re.Pattern[str]  # in the letters of a spaced-out run, joined up


def _entries(data: dict[str, Any], kind: str) -> tuple[str, ...]:
    return tuple(sorted({_plain(entry) for entries in data[kind].values() for entry in entries}))


def _phrase(entry: str) -> str:
    return r"\s+".join(re.escape(word) for word in entry.split())


@cache
def revealing_words() -> RevealingWords:
    data = json.loads(WORDS_FILE.read_text(encoding="utf-8"))
    stems, words = _entries(data, "stems"), _entries(data, "words")
    pattern = re.compile(
        r"\b(?:"
        + "|".join([_phrase(stem) for stem in stems] + [_phrase(w) + r"s?\b" for w in words])
        + ")"
    )
    spelled = re.compile(
        "|".join([re.escape(stem.replace(" ", "")) for stem in stems])
        + "|(?:"
        + "|".join(re.escape(word.replace(" ", "")) for word in words)
        + ")s?$"
    )
    return RevealingWords(stems, words, pattern, spelled)


NOT_NEUTRAL = revealing_words().stems + revealing_words().words
# Single letters with one to three separators between them ("H I V", "h.i.v.", "P-E-P").
_SPACED = re.compile(r"\b[^\W\d_](?:[^\w]{1,3}[^\W\d_]\b)+")
_LETTERS = re.compile(r"[^\W\d_]+")
_WORD_END = re.compile(r"\w*")


def language_for(preferred: str) -> str:
    """The wording's language: the patient's when Lantern has it, English otherwise."""
    return preferred if preferred in LANGUAGES else "en"


def format_when(when: datetime.datetime, language: str) -> str:
    """``Tuesday 8 December at 10:30`` / ``martes 8 de diciembre a las 10:30``."""
    day, month = DAYS[language][when.weekday()], MONTHS[language][when.month - 1]
    if language == "es":
        return f"{day} {when.day} de {month} a las {when:%H:%M}"
    return f"{day} {when.day} {month} at {when:%H:%M}"


# Characters drawn as nothing that are not formatting characters (Unicode's default
# ignorable code points outside Cf): the combining grapheme joiner, Hangul fillers, Khmer
# inherent vowels, Mongolian and other variation selectors.
IGNORABLE = re.compile(
    "[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\ufe00-\ufe0f\uffa0\U000e0100-\U000e01ef]"
)


def invisible_character(text: str) -> str | None:
    """The first invisible character (zero-width, bidi control: Unicode Cf; a variation
    selector, a filler: drawn as nothing), as ``U+200B``: it could hide a word from the
    screening and from the reader."""
    for char in text:
        if unicodedata.category(char) == "Cf" or IGNORABLE.match(char):
            return f"U+{ord(char):04X}"
    return None


# Digits written for the letters they look like, read as letters inside a word that mixes
# both ("H1V", "P3P", "s7d"); a one may stand for an i or an l ("c1inic"). Times, dates and
# numbers alone ("10:30", "8") are left as they are.
_DIGITS_AS_I = str.maketrans("013457", "oieast")
_DIGITS_AS_L = str.maketrans("013457", "oleast")
_MIXED = re.compile(r"\w*(?:\d[^\W\d_]|[^\W\d_]\d)\w*")


def _digits_read_as_letters(plain: str, table: dict[int, int]) -> str:
    return _MIXED.sub(lambda mixed: mixed.group(0).translate(table), plain)


def revealing_word(text: str) -> str | None:
    """The first word in ``text`` that could reveal the kind of care (in lower case, without
    accents), or None. Digits standing for letters are read as those letters."""
    plain = _plain(text)
    for candidate in (plain, _digits_read_as_letters(plain, _DIGITS_AS_I)):
        found = _revealing_word_in(candidate)
        if found is None and "1" in plain and candidate is not plain:
            found = _revealing_word_in(_digits_read_as_letters(plain, _DIGITS_AS_L))
        if found is not None:
            return found
    return None


def _run_together(screen: RevealingWords, run: str) -> bool:
    """Whether a run of letters is a listed whole word followed by another listed word or
    stem, written without a space ("hivtest", "stdclinic"): a stem followed by anything is
    already found at the start of the word."""
    for word in screen.words:
        rest = run[len(word) :]
        if run.startswith(word) and rest and screen.pattern.match(rest) is not None:
            return True
    return False


def _revealing_word_in(plain: str) -> str | None:
    screen = revealing_words()
    separated = plain.replace("_", " ")  # "HIV_test", "H_I_V": the same length as plain
    found = screen.pattern.search(separated)
    if found is not None:  # the whole word, not only the stem: "clinica", not "clinic"
        rest = _WORD_END.match(plain, found.end())
        return plain[found.start() : rest.end() if rest else found.end()]
    for spaced in _SPACED.finditer(separated):
        if screen.spelled.search("".join(_LETTERS.findall(spaced.group(0)))):
            return plain[spaced.start() : spaced.end()]
    for run in _LETTERS.finditer(separated):
        if _run_together(screen, run.group(0)):
            return run.group(0)
    return None


def is_neutral(text: str) -> bool:
    """Whether ``text`` avoids every word that could reveal the kind of care, and holds no
    invisible character that could hide one."""
    return invisible_character(text) is None and revealing_word(text) is None


def render(
    kind: str,
    language: str,
    *,
    at: datetime.datetime | None = None,
    code_word: str = "",
    approved_wording: str = "",
) -> str:
    """The text of one reminder; ``at`` is the appointment's local time (appointments only)."""
    language = language_for(language)
    if kind == "appointment" and at is None:
        raise ValueError("an appointment reminder needs the appointment's time")
    when = format_when(at, language) if at is not None else ""
    if approved_wording.strip():
        body = approved_wording.strip()
        if when:
            body = f"{body} {WHEN[language].format(when=when)}"
    else:
        body = TEMPLATES[kind][language].format(when=when)
    if code_word.strip():
        body = f"{CODE_WORD[language].format(word=code_word.strip())} {body}"
    return body


def subject(language: str) -> str:
    """An email's subject line: as neutral as the message."""
    return SUBJECTS[language_for(language)]
