"""Search parameters shared by every resource type: dates, references, tokens, paging.

Paging is keyset, never OFFSET: the next link carries a signed cursor (the last row's key
and how many of its resources were already sent), so the thousandth page costs what the
first does.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core import signing
from django.db.models import Q
from django.utils import timezone

from lantern.fhir.outcomes import bad_request

DATE_PREFIXES = ("eq", "gt", "lt", "ge", "le")
DATE_VALUE = re.compile(
    r"^(?P<prefix>[a-z]{2})?(?P<value>\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?"
    r"(Z|[+-]\d{2}:\d{2})?)?)?)?)$"
)
CURSOR_SALT = "lantern.fhir.cursor"
COMMON = frozenset({"_id", "_lastUpdated", "_count", "_include", "_cursor", "_format"})
JSON_FORMATS = frozenset({"json", "application/json", "application/fhir+json"})


@dataclass(frozen=True)
class Cursor:
    key: str
    sent: int  # resources of the row with this key already sent


def cursor_dumps(cursor: Cursor) -> str:
    return signing.dumps([cursor.key, cursor.sent], salt=CURSOR_SALT, compress=False)


def cursor_loads(token: str) -> Cursor:
    try:
        key, sent = signing.loads(token, salt=CURSOR_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        raise bad_request("The _cursor parameter is not a cursor this server issued.") from None
    return Cursor(str(key), int(sent))


def page_size(values: list[str]) -> int:
    limit = settings.LANTERN_FHIR_MAX_PAGE
    if not values:
        return min(settings.LANTERN_FHIR_DEFAULT_PAGE, limit)
    try:
        size = int(values[-1])
    except ValueError:
        raise bad_request("_count must be a whole number.") from None
    if not 1 <= size <= limit:
        raise bad_request(f"_count must be between 1 and {limit}.")
    return size


def alternatives(values: list[str]) -> list[list[str]]:
    """Repeated parameters are ANDed; commas inside one value are ORed."""
    return [[part for part in value.split(",") if part] for value in values]


def _bounds(text: str) -> tuple[datetime.datetime, datetime.datetime]:
    """The instant range a FHIR date or dateTime of any precision stands for."""
    zone = timezone.get_current_timezone()
    try:
        if len(text) == 4:
            start = datetime.datetime(int(text), 1, 1)
            end = datetime.datetime(int(text) + 1, 1, 1)
        elif len(text) == 7:
            year, month = int(text[:4]), int(text[5:7])
            start = datetime.datetime(year, month, 1)
            end = datetime.datetime(year + month // 12, month % 12 + 1, 1)
        elif len(text) == 10:
            start = datetime.datetime.fromisoformat(text)
            end = start + datetime.timedelta(days=1)
        else:
            start = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
            end = start + datetime.timedelta(seconds=1 if "." not in text else 0.000001)
    except ValueError:
        raise bad_request("A date parameter holds a date that does not exist.") from None
    if start.tzinfo is None:
        start, end = timezone.make_aware(start, zone), timezone.make_aware(end, zone)
    return start, end


def date_q(field: str, values: list[str], *, as_date: bool = False) -> Q:
    """``field`` matching every value (ANDed), each with an optional prefix."""
    found = Q()
    for options in alternatives(values):
        either = Q()
        for option in options:
            either |= _one_date(field, option, as_date)
        found &= either
    return found


def _one_date(field: str, text: str, as_date: bool) -> Q:
    match = DATE_VALUE.match(text)
    if match is None or (match["prefix"] or "eq") not in DATE_PREFIXES:
        raise bad_request(
            "A date parameter must be a FHIR date or dateTime, optionally after one of the "
            "prefixes eq, gt, lt, ge, le."
        )
    start, end = _bounds(match["value"])
    low: Any = start.date() if as_date else start
    high: Any = (end - datetime.timedelta(microseconds=1)).date() if as_date else end
    prefix = match["prefix"] or "eq"
    if as_date:
        return {
            "eq": Q(**{f"{field}__gte": low, f"{field}__lte": high}),
            "ge": Q(**{f"{field}__gte": low}),
            "gt": Q(**{f"{field}__gt": high}),
            "le": Q(**{f"{field}__lte": high}),
            "lt": Q(**{f"{field}__lt": low}),
        }[prefix]
    return {
        "eq": Q(**{f"{field}__gte": low, f"{field}__lt": high}),
        "ge": Q(**{f"{field}__gte": low}),
        "gt": Q(**{f"{field}__gte": high}),
        "le": Q(**{f"{field}__lt": high}),
        "lt": Q(**{f"{field}__lt": low}),
    }[prefix]


def patient_ids(values: list[str]) -> list[list[UUID | None]]:
    """``patient=Patient/<id>`` or ``patient=<id>``; an id that is no UUID matches nothing."""
    found = []
    for options in alternatives(values):
        ids: list[UUID | None] = []
        for option in options:
            text = option.removeprefix("Patient/")
            if "/" in text:
                raise bad_request("patient must reference a Patient: Patient/<id>.")
            try:
                ids.append(UUID(text))
            except ValueError:
                ids.append(None)
        found.append(ids)
    return found


def token(text: str) -> tuple[str | None, str]:
    """A token parameter: ``system|code``, ``|code`` (no system) or ``code`` (any system)."""
    if "|" in text:
        system, _, code = text.partition("|")
        return system, code
    return None, text
