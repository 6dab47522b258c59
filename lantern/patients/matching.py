"""Name matching for patient search: pure functions, no database and no keys.

Names are folded to a comparable form (accents, case, punctuation and word order do not
matter), then each word yields *match keys*: the word itself, every spelling with one letter
removed (so one typo, missing or extra letter still meets), and a phonetic code. Keys are
turned into keyed blind-index tokens elsewhere; here they are plain strings.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import jellyfish

# Letters that Unicode decomposition does not reduce to a base Latin letter.
_FOLD = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ð": "d", "ł": "l", "þ": "th", "ı": "i", "ħ": "h"}
)
_NOT_WORD = re.compile(r"[^\w]+|_")
# Shorter words would produce one-letter neighbours that match almost everyone.
MIN_FUZZY_LENGTH = 4
MAX_WORD_LENGTH = 40


def fold(text: str) -> str:
    """Lower-case, accent-free, punctuation-free form of a name, words single-spaced."""
    # Compatibility forms first (so styled letters become plain ones), then case, then accents.
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_FOLD)
    return " ".join(_NOT_WORD.sub(" ", bare).split())


_DIGITS = re.compile(r"\d+")


def words(text: str) -> list[str]:
    """The distinct folded words of a name, longest first, capped in length.

    A word mixing letters and digits ("Candy69") also yields its letters ("candy"), so a
    street name is found with or without its number.
    """
    seen: dict[str, None] = {}
    for word in fold(text).split():
        if word.isdigit():
            continue
        seen.setdefault(word[:MAX_WORD_LENGTH], None)
        letters = _DIGITS.sub("", word)
        if letters != word and len(letters) >= 2:
            seen.setdefault(letters[:MAX_WORD_LENGTH], None)
    return sorted(seen, key=len, reverse=True)


def deletion_neighbours(word: str) -> set[str]:
    """The word and every spelling with one letter removed."""
    if len(word) < MIN_FUZZY_LENGTH:
        return {word}
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


def phonetic(word: str) -> str | None:
    """A sound-alike code for Latin-script words (Gonzalez ~ Gonsales), else ``None``."""
    if not word.isascii() or not word.isalpha() or len(word) < 2:
        return None
    return jellyfish.metaphone(word) or None


def word_keys(word: str) -> set[str]:
    keys = {f"d:{variant}" for variant in deletion_neighbours(word)}
    sound = phonetic(word)
    if sound:
        keys.add(f"p:{sound}")
    return keys


def name_keys(names: Iterable[str]) -> set[str]:
    """All match keys for every word of every name a patient is known by."""
    keys: set[str] = set()
    for name in names:
        for word in words(name):
            keys |= word_keys(word)
    return keys


# Below this, two words are different words, not a misspelling: they add nothing to a score.
WORD_MATCH_FLOOR = 0.8


def _similarity(a: str, a_sound: str | None, b: str, b_sound: str | None) -> float:
    """1.0 for the same word, about 0.85-0.99 for a misspelling or sound-alike, else 0
    (each word's phonetic code already worked out)."""
    if a == b:
        return 1.0
    similarity = float(jellyfish.jaro_winkler_similarity(a, b))
    if a_sound is not None and a_sound == b_sound:
        similarity = max(0.9, similarity)
    return similarity if similarity >= WORD_MATCH_FLOOR else 0.0


def name_scorer(query_words: Sequence[str]) -> Callable[[Iterable[str]], float]:
    """``name_score`` for one query, to apply to many patients in turn.

    Search ranks up to a few hundred candidates that mostly share the same few words, so
    the scorer remembers each word comparison (and the words of each name) for as long as
    it lives: one search. Nothing outlives it.
    """
    query = [(word, phonetic(word)) for word in query_words]
    name_words: dict[str, list[str]] = {}
    similarities: dict[str, list[float]] = {}

    def score(names: Iterable[str]) -> float:
        if not query:
            return 0.0
        best: list[float] | None = None
        for name in names:
            found = name_words.get(name)
            if found is None:
                found = name_words[name] = words(name)
            for word in found:
                row = similarities.get(word)
                if row is None:
                    sound = phonetic(word)
                    row = [_similarity(q, q_sound, word, sound) for q, q_sound in query]
                    similarities[word] = row
                best = row if best is None else [max(a, b) for a, b in zip(best, row, strict=True)]
        return 0.0 if best is None else sum(best) / len(query)

    return score


def name_score(query_words: Sequence[str], names: Iterable[str]) -> float:
    """How well a query matches the best of a patient's names, from 0 to 1.

    Each query word is scored against its best partner among the words of all of the
    patient's names, so word order does not matter and a query may mix a first name with
    an alias.
    """
    return name_scorer(query_words)(names)


def normalise_identifier(value: str) -> str:
    """Medical record numbers compare without case, spaces, dots or dashes."""
    return re.sub(r"[\s.\-/]+", "", value).upper()


_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_LOCAL_DATE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")


def _date_or_none(year: int, month: int, day: int) -> datetime.date | None:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def parse_date_term(term: str) -> set[datetime.date]:
    """Every date a search term could mean: ISO, or day/month and month/day with a year."""
    if match := _ISO_DATE.match(term):
        found = _date_or_none(*(int(part) for part in match.groups()))
        return {found} if found else set()
    if match := _LOCAL_DATE.match(term):
        first, second, year = (int(part) for part in match.groups())
        options = {_date_or_none(year, second, first), _date_or_none(year, first, second)}
        return {d for d in options if d is not None}
    return set()


@dataclass(frozen=True)
class ParsedQuery:
    """A search box entry split into name words, birth dates and identifier candidates."""

    words: tuple[str, ...]
    birth_dates: frozenset[datetime.date]
    identifiers: tuple[str, ...]

    @property
    def is_empty(self) -> bool:
        return not (self.words or self.birth_dates or self.identifiers)


def parse_query(text: str, max_terms: int = 8) -> ParsedQuery:
    name_terms: list[str] = []
    dates: set[datetime.date] = set()
    identifiers: list[str] = []
    terms = text.split()[: max_terms * 2]
    for position, term in enumerate(terms):
        term_dates = parse_date_term(term)
        if term_dates:
            dates |= term_dates
            continue
        if any(char.isdigit() for char in term):
            identifiers.append(normalise_identifier(term))
            # "RV 2002" may be one record number typed with a space.
            if position > 0 and not parse_date_term(terms[position - 1]):
                identifiers.append(normalise_identifier(terms[position - 1] + term))
        letters = _DIGITS.sub("", term)
        if letters == term or letters.isalpha():
            name_terms.append(term)  # a word, or a word with digits ("Candy69"), not "RV-2002"
    return ParsedQuery(
        words=tuple(words(" ".join(name_terms))[:max_terms]),
        birth_dates=frozenset(dates),
        identifiers=tuple(dict.fromkeys(i for i in identifiers if i))[:max_terms],
    )
