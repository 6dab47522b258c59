"""The Spanish catalogue: complete for every string in the code, compiled, and exact where
the browser tests depend on it.

Lantern must be fully usable in Spanish, so a string wrapped for translation but missing from
``lantern/locale/es/LC_MESSAGES/django.po`` (or left empty or fuzzy) is a bug, not a chore.
"""

from __future__ import annotations

import gettext
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation

import lantern

PACKAGE_DIR = Path(lantern.__file__).resolve().parent
MESSAGES_DIR = PACKAGE_DIR / "locale" / "es" / "LC_MESSAGES"
PO_PATH = MESSAGES_DIR / "django.po"
MO_PATH = MESSAGES_DIR / "django.mo"
HOW_TO_FIX = (
    "Run `make messages`, translate every new or empty entry in "
    "lantern/locale/es/LC_MESSAGES/django.po (and clear any fuzzy flag), then run "
    "`make messages` again to compile the .mo file."
)

# Browser tests look for these exact words on Spanish pages.
REQUIRED_SPANISH = {
    "Find a patient": "Buscar paciente",
    "Register a patient": "Registrar paciente",
    "Sign in": "Iniciar sesión",
    "Sign out": "Cerrar sesión",
    "Search": "Buscar",
    "Language": "Idioma",
    "Change": "Cambiar",
    "Register patient": "Registrar al paciente",
    "Patient registered.": "Paciente registrado.",
}

PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]")
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")\s*$")


# --- A small reader for the PO files makemessages writes (polib is not a dependency) -----


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    def label(self) -> str:
        context = f" (context {self.msgctxt!r})" if self.msgctxt else ""
        return f"{self.msgid!r}{context}"


def _unquote(token: str) -> str:
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(1)), token.strip()[1:-1])


def parse_po(text: str) -> list[Entry]:
    """Entries in file order, the header (empty msgid) included; obsolete ``#~`` lines skipped."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int] | None = None
    for line in [*text.splitlines(), ""]:
        if not line.strip():
            if entry is not None:
                entries.append(entry)
            entry, target = None, None
            continue
        if line.startswith("#~"):
            continue
        if entry is None:
            entry = Entry()
        if line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith("#"):
            continue
        match = KEYWORD.match(line)
        if match:
            keyword, index, token = match.groups()
            target = ("msgstr", int(index or 0)) if keyword.startswith("msgstr") else (keyword, 0)
            _append(entry, target, _unquote(token), start=True)
        elif line.lstrip().startswith('"') and target is not None:
            _append(entry, target, _unquote(line), start=False)
        else:
            raise ValueError(f"Unreadable PO line: {line!r}")
    return entries


def _append(entry: Entry, target: tuple[str, int], text: str, *, start: bool) -> None:
    name, index = target
    if name == "msgstr":
        entry.msgstr[index] = text if start else entry.msgstr[index] + text
    else:
        setattr(entry, name, text if start else (getattr(entry, name) or "") + text)


def read_catalogue(path: Path) -> tuple[Entry, dict[tuple[str | None, str], Entry]]:
    """The header entry and the messages of a PO file, keyed by (context, msgid)."""
    entries = parse_po(path.read_text(encoding="utf-8"))
    header = next(entry for entry in entries if entry.msgid == "" and entry.msgctxt is None)
    return header, {entry.key: entry for entry in entries if entry is not header}


def plural_count(header: Entry) -> int:
    found = re.search(r"nplurals\s*=\s*(\d+)", header.msgstr.get(0, ""))
    assert found, "The committed catalogue's header has no Plural-Forms line."
    return int(found.group(1))


def is_translated(entry: Entry, nplurals: int) -> bool:
    if "fuzzy" in entry.flags:
        return False
    forms = range(nplurals) if entry.msgid_plural is not None else (0,)
    return all(entry.msgstr.get(index, "").strip() for index in forms)


# --- The tests ------------------------------------------------------------------------------


@pytest.mark.skipif(
    shutil.which("xgettext") is None,
    reason="xgettext (GNU gettext) is not installed here; CI installs it and runs this test",
)
def test_catalogue_has_a_translation_for_every_string_in_the_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Extract from a copy so the committed catalogue is never touched by the test.
    source = tmp_path / "lantern"
    shutil.copytree(PACKAGE_DIR, source, ignore=shutil.ignore_patterns("locale", "__pycache__"))
    (source / "locale").mkdir()
    monkeypatch.chdir(source)
    with override_settings(LOCALE_PATHS=[str(source / "locale")]):
        call_command("makemessages", locale=["es"], no_location=True, no_obsolete=True, verbosity=0)
    _, in_code = read_catalogue(source / "locale" / "es" / "LC_MESSAGES" / "django.po")
    header, committed = read_catalogue(PO_PATH)
    nplurals = plural_count(header)

    missing = [entry.label() for key, entry in in_code.items() if key not in committed]
    untranslated = [
        entry.label()
        for key, entry in in_code.items()
        if key in committed and not is_translated(committed[key], nplurals)
    ]

    assert in_code, "makemessages found no translatable strings; is it reading the templates?"
    problems = []
    if missing:
        problems.append("Missing from the Spanish catalogue:\n  " + "\n  ".join(missing))
    if untranslated:
        problems.append("Empty or fuzzy in the Spanish catalogue:\n  " + "\n  ".join(untranslated))
    assert not problems, "\n".join([*problems, HOW_TO_FIX])


def test_translations_keep_the_placeholders_of_the_english() -> None:
    header, committed = read_catalogue(PO_PATH)
    nplurals = plural_count(header)
    broken = []
    for entry in committed.values():
        if not is_translated(entry, nplurals):
            continue
        expected = set(PLACEHOLDER.findall(entry.msgid))
        if entry.msgid_plural is not None:
            expected |= set(PLACEHOLDER.findall(entry.msgid_plural))
        for index, text in sorted(entry.msgstr.items()):
            if set(PLACEHOLDER.findall(text)) - expected or (
                entry.msgid_plural is None and set(PLACEHOLDER.findall(text)) != expected
            ):
                broken.append(f"{entry.label()} msgstr[{index}] = {text!r}")
    assert not broken, "Placeholders differ from the English:\n  " + "\n  ".join(broken)


def test_compiled_catalogue_matches_the_po_file() -> None:
    assert MO_PATH.exists(), f"{MO_PATH.name} is missing. {HOW_TO_FIX}"
    header, committed = read_catalogue(PO_PATH)
    nplurals = plural_count(header)
    with MO_PATH.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)

    stale = []
    for entry in committed.values():
        if not is_translated(entry, nplurals):
            continue
        if entry.msgid_plural is None:
            got = (
                compiled.pgettext(entry.msgctxt, entry.msgid)
                if entry.msgctxt is not None
                else compiled.gettext(entry.msgid)
            )
            if got != entry.msgstr[0]:
                stale.append(f"{entry.label()}: compiled {got!r}, PO {entry.msgstr[0]!r}")
            continue
        for count in (1, 2, 5):
            want = entry.msgstr[compiled.plural(count)]
            got = (
                compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, count)
                if entry.msgctxt is not None
                else compiled.ngettext(entry.msgid, entry.msgid_plural, count)
            )
            if got != want:
                stale.append(f"{entry.label()} (n={count}): compiled {got!r}, PO {want!r}")
    assert not stale, "django.mo is out of date with django.po:\n  " + "\n  ".join(
        [*stale, HOW_TO_FIX]
    )


@pytest.mark.parametrize(("english", "spanish"), sorted(REQUIRED_SPANISH.items()))
def test_key_ui_strings_read_as_expected_in_spanish(english: str, spanish: str) -> None:
    with translation.override("es"):
        assert translation.gettext(english) == spanish


def test_plural_strings_follow_the_count_in_spanish() -> None:
    singular, plural = "%(counter)s patient found", "%(counter)s patients found"
    with translation.override("es"):
        one = translation.ngettext(singular, plural, 1) % {"counter": 1}
        three = translation.ngettext(singular, plural, 3) % {"counter": 3}
    assert one == "Se encontró 1 paciente"
    assert three == "Se encontraron 3 pacientes"
