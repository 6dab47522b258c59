"""Small pieces several resource types share: references, codings, token filters."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any
from uuid import UUID

from django.db import models
from django.db.models import Case, F, Q, QuerySet, When
from django.utils import translation

from lantern.fhir import search
from lantern.fhir.access import ClientAccess
from lantern.fhir.resources.base import Filter


def user_label(relation: str) -> Case:
    """A staff member's name as ``str(user)`` gives it (display name, else username), read
    as one column through ``relation``, so a page of rows builds no User at all."""
    return Case(
        When(**{f"{relation}__display_name": ""}, then=F(f"{relation}__username")),
        default=F(f"{relation}__display_name"),
    )


def patient_ref(patient_id: UUID) -> dict[str, str]:
    return {"reference": f"Patient/{patient_id}"}


def codeable(system: str, code: str, display: str = "", text: str = "") -> dict[str, Any]:
    coding: dict[str, str] = {"system": system, "code": code}
    if display:
        coding["display"] = display
    concept: dict[str, Any] = {"coding": [coding]}
    if text:
        concept["text"] = text
    return concept


def local_system(access: ClientAccess, name: str) -> str:
    """A code system of Lantern's own, under the FHIR base the client called."""
    return f"{access.base_url}/CodeSystem/{name}"


@cache
def english(choices: type[models.Choices]) -> dict[str, str]:
    """The English label of every value of ``choices``, worked out once per process."""
    with translation.override("en"):
        return {str(value): str(label) for value, label in choices.choices}


def token_filter(codes: Callable[[str | None, str, ClientAccess], Q]) -> Filter:
    """A token search parameter: each value ``[system|]code`` turned into a row filter."""

    def apply(rows: QuerySet[Any], values: list[str], access: ClientAccess) -> QuerySet[Any]:
        for options in search.alternatives(values):
            either = Q(pk__in=[])
            for option in options:
                system, code = search.token(option)
                either |= codes(system, code, access)
            rows = rows.filter(either)
        return rows

    return apply
