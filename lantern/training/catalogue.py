"""The training modules: one JSON file each under ``modules/``, read and checked once.

Pure Python (no Django): a module is data with a version and its sources, written in
Lantern's own words, with a short knowledge check. A file that is malformed stops Lantern
with the file's name and the reason, like the screening instruments.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

FORMAT = "lantern-training/1"
MODULES_DIR = Path(__file__).resolve().parent / "modules"
LANGUAGES = ("en", "es")


class TrainingFileError(ValueError):
    """A training file that cannot be used, naming the file and what is wrong."""


Text = dict[str, str]


def text_in(text: Text, language: str) -> str:
    return text.get(language) or text["en"]


@dataclass(frozen=True)
class Option:
    id: str
    text: Text


@dataclass(frozen=True)
class Question:
    id: str
    prompt: Text
    options: tuple[Option, ...]
    answer: str


@dataclass(frozen=True)
class Module:
    id: str
    version: int
    date: str
    order: int
    title: Text
    summary: Text
    sources: tuple[str, ...]
    points: tuple[Text, ...]
    check: tuple[Question, ...]

    def passes(self, answers: dict[str, str]) -> bool:
        """Every question answered with its right option."""
        return all(answers.get(question.id) == question.answer for question in self.check)

    def wrong(self, answers: dict[str, str]) -> list[Question]:
        return [question for question in self.check if answers.get(question.id) != question.answer]


def _text(value: Any, where: str) -> Text:
    if not isinstance(value, dict) or any(not isinstance(value.get(k), str) for k in LANGUAGES):
        raise TrainingFileError(f"{where}: needs text in {', '.join(LANGUAGES)}")
    if any(not value[k].strip() for k in LANGUAGES):
        raise TrainingFileError(f"{where}: empty text")
    return {k: value[k] for k in LANGUAGES}


def _question(value: dict[str, Any], where: str) -> Question:
    options = tuple(
        Option(str(o["id"]), _text(o["text"], f"{where}.options[{n}]"))
        for n, o in enumerate(value["options"])
    )
    ids = [option.id for option in options]
    if len(set(ids)) != len(ids) or len(ids) < 2:
        raise TrainingFileError(f"{where}: at least two options, each id once")
    if value["answer"] not in ids:
        raise TrainingFileError(f"{where}: the answer {value['answer']!r} is not an option")
    return Question(str(value["id"]), _text(value["prompt"], where), options, value["answer"])


def read_module(data: dict[str, Any], name: str) -> Module:
    """A module from a file's JSON; ``TrainingFileError`` naming ``name`` otherwise."""
    try:
        if data.get("format") != FORMAT:
            raise TrainingFileError(f"format must be {FORMAT!r}")
        if not isinstance(data["version"], int) or data["version"] < 1:
            raise TrainingFileError("version must be a whole number from 1")
        if not data["sources"] or not data["check"]:
            raise TrainingFileError("a module needs its sources and a knowledge check")
        questions = tuple(_question(q, f"check[{n}]") for n, q in enumerate(data["check"]))
        if len({q.id for q in questions}) != len(questions):
            raise TrainingFileError("each question id once")
        return Module(
            id=str(data["id"]),
            version=data["version"],
            date=str(data["date"]),
            order=int(data["order"]),
            title=_text(data["title"], "title"),
            summary=_text(data["summary"], "summary"),
            sources=tuple(str(s) for s in data["sources"]),
            points=tuple(_text(p, f"points[{n}]") for n, p in enumerate(data["points"])),
            check=questions,
        )
    except (KeyError, TypeError) as error:
        raise TrainingFileError(f"{name}: missing or malformed field {error}") from error
    except TrainingFileError as error:
        raise TrainingFileError(f"{name}: {error}") from error


@cache
def modules() -> tuple[Module, ...]:
    """Every shipped module, in the order staff take them."""
    found = []
    for path in sorted(MODULES_DIR.glob("*.json")):
        module = read_module(json.loads(path.read_text(encoding="utf-8")), path.name)
        if module.id != path.stem:
            raise TrainingFileError(f"{path.name}: id {module.id!r} differs from the file name")
        found.append(module)
    return tuple(sorted(found, key=lambda m: m.order))


def get_module(module_id: str) -> Module | None:
    return next((module for module in modules() if module.id == module_id), None)
