"""The approved neutral wording of reminders to patients, in English and Spanish.

A message can be read by whoever holds the patient's phone or mailbox. So it names no
clinic, no kind of care, no test, no diagnosis and no one's role: only that something is
planned and when. Where the patient chose a code word, the message opens with it, so the
patient knows the message is the one they agreed to. A patient's own approved wording
(recorded on the channel) replaces the template, and is screened like everything sent.
"""

from __future__ import annotations

import datetime
import re
import unicodedata

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

# Words that would tell a reader what kind of place sent the message or why (English and
# Spanish, accents removed, matched at the start of a word): any of them withholds a message.
NOT_NEUTRAL = (
    "clinic", "hospital", "health", "medic", "doctor", "nurse", "test", "result", "lab",
    "hiv", "aids", "sti", "std", "pep", "prep", "pregnan", "contracept", "vaccin", "shot",
    "exam", "screen", "counsel", "therap", "mental", "psych", "shelter", "traffick",
    "exploit", "assault", "sexual", "rape", "abuse", "violen", "survivor", "victim",
    "police", "diagnos", "treat", "prescri", "pharmac", "infect", "disease", "std",
    "clinica", "salud", "enfermer", "prueba", "resultado", "laboratorio", "vih", "sida",
    "embaraz", "anticoncep", "vacuna", "examen", "consejer", "terapia", "psicolog",
    "refugio", "albergue", "trata", "explotacion", "agresion", "violacion", "abuso",
    "violencia", "sobreviviente", "victima", "policia", "diagnostic", "tratamiento",
    "receta", "farmacia", "infeccion", "enfermedad",
)  # fmt: skip
_NOT_NEUTRAL = re.compile(r"\b(" + "|".join(sorted(set(NOT_NEUTRAL))) + ")", re.IGNORECASE)


def language_for(preferred: str) -> str:
    """The wording's language: the patient's when Lantern has it, English otherwise."""
    return preferred if preferred in LANGUAGES else "en"


def format_when(when: datetime.datetime, language: str) -> str:
    """``Tuesday 8 December at 10:30`` / ``martes 8 de diciembre a las 10:30``."""
    day, month = DAYS[language][when.weekday()], MONTHS[language][when.month - 1]
    if language == "es":
        return f"{day} {when.day} de {month} a las {when:%H:%M}"
    return f"{day} {when.day} {month} at {when:%H:%M}"


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def is_neutral(text: str) -> bool:
    """Whether ``text`` avoids every word that could reveal the kind of care."""
    return _NOT_NEUTRAL.search(_plain(text)) is None


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
