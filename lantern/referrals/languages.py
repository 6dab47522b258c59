"""Which of Lantern's languages (``patients.choices.LANGUAGES``) an HSDS language names.

HSDS gives ISO 639 codes, two or three letters, sometimes with a region ("es-MX"), and a
name. Lantern matches them to its own list so a search for Spanish finds "es", "spa" and
"es-MX", and a referral can match the patient's preferred language.
"""

from __future__ import annotations

from lantern.patients.choices import LANGUAGES

# ISO 639-2/3 codes (and a few names) for the languages of LANGUAGES.
_ALIASES = {
    "eng": "en", "english": "en",
    "spa": "es", "spanish": "es", "español": "es",
    "por": "pt", "portuguese": "pt",
    "fra": "fr", "fre": "fr", "french": "fr",
    "hat": "ht", "haitian creole": "ht", "kreyòl": "ht",
    "zho": "zh", "chi": "zh", "cmn": "zh", "yue": "zh", "chinese": "zh", "mandarin": "zh",
    "cantonese": "zh",
    "vie": "vi", "vietnamese": "vi",
    "kor": "ko", "korean": "ko",
    "tgl": "tl", "fil": "tl", "tagalog": "tl", "filipino": "tl",
    "rus": "ru", "russian": "ru",
    "ukr": "uk", "ukrainian": "uk",
    "ara": "ar", "arabic": "ar",
    "fas": "fa", "per": "fa", "persian": "fa", "farsi": "fa",
    "hin": "hi", "hindi": "hi",
    "tha": "th", "thai": "th",
    "ron": "ro", "rum": "ro", "romanian": "ro",
    "swa": "sw", "swahili": "sw",
    "som": "so", "somali": "so",
    "amh": "am", "amharic": "am",
    "nep": "ne", "nepali": "ne",
    "mam": "mam",
    "quc": "quc", "k'iche'": "quc",
    "ase": "asl", "sgn-us": "asl", "american sign language": "asl",
}  # fmt: skip
_CODES = {code for code, _label in LANGUAGES if code != "other"}


def lantern_code(code: str, name: str = "") -> str:
    """Lantern's code for an HSDS language, or "" when it is none of Lantern's languages."""
    tag = (code or "").strip().lower().replace("_", "-")
    for candidate in (tag, tag.split("-")[0], (name or "").strip().lower()):
        if candidate in _CODES:
            return candidate
        if candidate in _ALIASES:
            return _ALIASES[candidate]
    return ""


def search_choices() -> list[tuple[str, str]]:
    """The languages a directory search offers (Lantern's list, without "Other")."""
    return [(code, str(label)) for code, label in LANGUAGES if code != "other"]
