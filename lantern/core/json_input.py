"""Reading JSON that someone outside Lantern wrote: an API body, a form field, a token.

``json.loads`` meets deeply nested input (``[[[[...]]]]`` 100,000 deep) with a
RecursionError, and a number of thousands of digits with a ValueError that is no
JSONDecodeError; data nested just below Python's limit is read, and then breaks whatever walks
it recursively. ``loads`` turns each of these into one ``JsonInputError`` the caller answers
as the client's mistake (a 400, a form error), and refuses lists and objects nested more than
``MAX_DEPTH`` deep: far more than any resource, key set or token Lantern reads needs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

MAX_DEPTH = 64


class JsonInputError(ValueError):
    """Input Lantern will not read as JSON; the message says why, never repeating it."""


def loads(text: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON value in ``text``; JsonInputError when it is not JSON or nests too deeply."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise JsonInputError(too_deep(max_depth)) from None
    except ValueError:  # JSONDecodeError, bad UTF-8, a number too long to convert
        raise JsonInputError("not JSON") from None
    if nested_deeper_than(data, max_depth):
        raise JsonInputError(too_deep(max_depth))
    return data


def too_deep(limit: int) -> str:
    return f"lists and objects nested more than {limit} deep"


def nested_deeper_than(data: object, limit: int) -> bool:
    """Whether lists and objects nest more than ``limit`` deep (walked without recursion)."""
    waiting: list[tuple[object, int]] = [(data, 1)]
    while waiting:
        value, depth = waiting.pop()
        if isinstance(value, dict):
            inside: Iterable[object] = value.values()
        elif isinstance(value, list):
            inside = value
        else:
            continue
        if depth > limit:
            return True
        waiting.extend((child, depth + 1) for child in inside)
    return False
