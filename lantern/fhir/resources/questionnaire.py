"""Questionnaire: every shipped instrument in every language it has, from the data files."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from uuid import UUID

from django.conf import settings

from lantern.fhir import search
from lantern.fhir.access import ClientAccess
from lantern.fhir.outcomes import bad_request, not_found
from lantern.fhir.resources.base import Page, Param, Resource, ResourceType
from lantern.screening import instruments
from lantern.screening.instruments.fhir import questionnaire_id


def _never(rows: Any, values: list[str], access: ClientAccess) -> Any:  # documentation only
    return rows


def questionnaires(access: ClientAccess) -> list[Resource]:
    return [
        instruments.to_questionnaire(
            instrument,
            base_url=access.base_url,
            language=language,
            publisher=settings.LANTERN_APP_NAME,
        )
        for instrument in instruments.all_instruments().values()
        for language in instrument.languages
    ]


def by_id(resource_id: str) -> tuple[instruments.Instrument, str] | None:
    for instrument in instruments.all_instruments().values():
        for language in instrument.languages:
            if questionnaire_id(instrument, language) == resource_id:
                return instrument, language
    return None


class QuestionnaireResource(ResourceType):
    name = "Questionnaire"
    in_patient_compartment = False
    params = {
        "url": Param("uri", _never, "The canonical URL (one per language)"),
        "version": Param("token", _never, "The instrument's data version"),
    }

    def _matches(self, resource: Resource, query: Mapping[str, list[str]]) -> bool:
        checks = {"_id": "id", "url": "url", "version": "version"}
        for name, values in query.items():
            if name in checks:
                for options in search.alternatives(values):
                    if resource.get(checks[name]) not in options:
                        return False
            elif name not in search.COMMON or name == "_lastUpdated":
                raise bad_request(f"Questionnaire has no search parameter {name[:40]!r}.")
        return True

    def search(
        self,
        access: ClientAccess,
        query: Mapping[str, list[str]],
        count: int,
        cursor: search.Cursor | None,
    ) -> Page:
        found = [q for q in questionnaires(access) if self._matches(q, query)]
        start = cursor.sent if cursor is not None else 0
        page = Page(found[start : start + count], [], None)
        if start + count < len(found):
            page.next_cursor = search.Cursor("", start + count)
        return page

    def read(self, access: ClientAccess, resource_id: str) -> tuple[Resource, UUID | None]:
        found = by_id(resource_id)
        if found is None:
            raise not_found()
        instrument, language = found
        resource = instruments.to_questionnaire(
            instrument,
            base_url=access.base_url,
            language=language,
            publisher=settings.LANTERN_APP_NAME,
        )
        return resource, None

    def read_many(self, access: ClientAccess, ids: Iterable[str]) -> list[Resource]:
        wanted = set(ids)
        return [q for q in questionnaires(access) if q["id"] in wanted]

    def everything(self, access: ClientAccess) -> Iterator[Resource]:
        yield from questionnaires(access)
