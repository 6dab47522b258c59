"""What a resource type is to the API, and the keyset search every database-backed type shares.

A resource type module declares a ``ModelResource``: which rows a client may see, how one
row becomes one or more FHIR resources, its search parameters and ``_include`` targets.
The API, the CapabilityStatement and Bulk export are all built from the registry of these.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar
from uuid import UUID

from django.db.models import Model, Q, QuerySet

from lantern.audit.models import Category
from lantern.fhir import search
from lantern.fhir.access import ClientAccess
from lantern.fhir.outcomes import bad_request, not_found

Resource = dict[str, Any]
Filter = Callable[[QuerySet[Any], list[str], ClientAccess], QuerySet[Any]]


@dataclass(frozen=True)
class Param:
    """One search parameter: its FHIR type, what it filters, and what the docs say."""

    type: str  # "token" | "date" | "reference" | "string" | "uri"
    apply: Filter
    documentation: str


@dataclass(frozen=True)
class Include:
    """``_include=<Type>:<param>``: the resources a row refers to through ``param``."""

    target: str
    ids: Callable[[Any], Iterable[str]]


@dataclass
class Page:
    resources: list[Resource]
    included: list[Resource]
    next_cursor: search.Cursor | None
    patient_ids: list[UUID] = field(default_factory=list)


class ResourceType:
    """The interface the API uses; ``ModelResource`` implements it over a Django model."""

    name: ClassVar[str]
    category: ClassVar[Category] = Category.NONE
    in_patient_compartment: ClassVar[bool] = True
    params: ClassVar[Mapping[str, Param]] = {}
    includes: ClassVar[Mapping[str, Include]] = {}
    profile_note: ClassVar[str] = ""

    def search(
        self, access: ClientAccess, query: Mapping[str, list[str]], count: int, cursor: Any
    ) -> Page:
        raise NotImplementedError

    def read(self, access: ClientAccess, resource_id: str) -> tuple[Resource, UUID | None]:
        raise NotImplementedError

    def read_many(self, access: ClientAccess, ids: Iterable[str]) -> list[Resource]:
        raise NotImplementedError

    def everything(self, access: ClientAccess) -> Iterator[Resource]:
        """Bulk export of a type outside the patient compartment."""
        raise NotImplementedError


class ModelResource(ResourceType):
    """A resource type read from one model, paged by keyset on ``key``."""

    model: ClassVar[type[Model]]
    key: ClassVar[str] = "pk"
    patient_field: ClassVar[str | None] = "patient_id"
    patient_param: ClassVar[bool] = True  # ``patient=`` searches (not on Patient itself)
    date_field: ClassVar[str | None] = None  # the ``date`` search parameter
    updated_field: ClassVar[str] = "pk"  # ``_lastUpdated`` and Bulk ``_since``
    batch: ClassVar[int] = 2000

    # --- what each type defines --------------------------------------------------------

    def rows(self, access: ClientAccess) -> QuerySet[Any]:
        """Rows of ``model`` that make resources, whoever the patient."""
        return self.model._default_manager.all()

    def visible(self, access: ClientAccess) -> QuerySet[Any]:
        """Rows the client may see: those of patients it may see."""
        return self.rows(access).filter(**{f"{self.patient_field}__in": access.patient_ids()})

    def render(self, row: Any, access: ClientAccess) -> list[Resource]:
        raise NotImplementedError

    def row_filter(self, resource_id: str) -> Q | None:
        """The rows behind one resource id; ``None`` when the id cannot be one of ours."""
        return Q(pk=resource_id) if resource_id.isdigit() else None

    def optimised(self, rows: QuerySet[Any]) -> QuerySet[Any]:
        return rows

    def attach(self, rows: list[Any]) -> None:
        """Give fetched rows what they need beyond their query, a page at a time."""

    # --- shared machinery --------------------------------------------------------------

    def filtered(self, access: ClientAccess, query: Mapping[str, list[str]]) -> QuerySet[Any]:
        rows = self.visible(access)
        for name, values in query.items():
            if name == "_id":
                rows = rows.filter(self._id_q(values))
            elif name == "_lastUpdated":
                rows = rows.filter(search.date_q(self.updated_field, values))
            elif name == "date" and self.date_field:
                rows = rows.filter(search.date_q(self.date_field, values))
            elif name == "patient" and self.patient_param and self.patient_field:
                rows = rows.filter(self._patient_q(values))
            elif name in self.params:
                rows = self.params[name].apply(rows, values, access)
            elif name not in search.COMMON:
                raise bad_request(f"{self.name} has no search parameter {name[:40]!r}.")
        return rows

    def _id_q(self, values: list[str]) -> Q:
        found = Q()
        for options in search.alternatives(values):
            either = Q(pk__in=[])
            for option in options:
                either |= self.row_filter(option) or Q(pk__in=[])
            found &= either
        return found

    def _patient_q(self, values: list[str]) -> Q:
        found = Q()
        for ids in search.patient_ids(values):
            found &= Q(**{f"{self.patient_field}__in": [i for i in ids if i is not None]})
        return found

    def search(
        self,
        access: ClientAccess,
        query: Mapping[str, list[str]],
        count: int,
        cursor: search.Cursor | None,
    ) -> Page:
        rows = self.filtered(access, query).order_by(self.key)
        if cursor is not None:
            rows = rows.filter(**{f"{self.key}__gte": self._key_value(cursor.key)})
        page = Page([], [], None)
        fetched = list(self.optimised(rows)[: count + 1])
        self.attach(fetched)
        for row in fetched:
            resources = self.render(row, access)
            key = str(getattr(row, self.key))
            skip = cursor.sent if cursor is not None and key == cursor.key else 0
            for sent, resource in enumerate(resources[skip:], start=skip):
                if len(page.resources) == count:
                    page.next_cursor = search.Cursor(key, sent)
                    return page
                page.resources.append(resource)
                self._note_patient(page, row)
        return page

    def _key_value(self, text: str) -> Any:
        field_name = "id" if self.key == "pk" else self.key
        try:
            return self.model._meta.get_field(field_name).to_python(text)  # type: ignore[union-attr]
        except Exception:  # a cursor is signed, so this only guards against old formats
            raise bad_request("The _cursor parameter no longer fits this search.") from None

    def _note_patient(self, page: Page, row: Any) -> None:
        if self.patient_field:
            patient_id = getattr(row, self.patient_field)
            if patient_id is not None:
                page.patient_ids.append(patient_id)

    def read(self, access: ClientAccess, resource_id: str) -> tuple[Resource, UUID | None]:
        condition = self.row_filter(resource_id)
        row = None
        if condition is not None:
            row = self.optimised(self.visible(access).filter(condition)).first()
        if row is None:
            raise not_found()
        self.attach([row])
        for resource in self.render(row, access):
            if resource["id"] == resource_id:
                patient = getattr(row, self.patient_field) if self.patient_field else None
                return resource, patient
        raise not_found()

    def read_many(self, access: ClientAccess, ids: Iterable[str]) -> list[Resource]:
        wanted = set(ids)
        condition = Q(pk__in=[])
        for resource_id in wanted:
            condition |= self.row_filter(resource_id) or Q(pk__in=[])
        rows = list(self.optimised(self.visible(access).filter(condition)))
        self.attach(rows)
        return [
            resource
            for row in rows
            for resource in self.render(row, access)
            if resource["id"] in wanted
        ]

    # Types read from the same rows (a screening result is four resources) name the same
    # source, so an export reads those rows once and renders every type from them.
    export_source: ClassVar[str] = ""

    def export_rows(
        self, access: ClientAccess, patient_ids: list[UUID], since: Any, types: list[Any]
    ) -> Iterator[Any]:
        """Bulk export: the rows of these (already vetted) patients, through an iterator."""
        rows = self.rows(access).filter(**{f"{self.patient_field}__in": patient_ids})
        if since is not None:
            rows = rows.filter(**{f"{self.updated_field}__gt": since})
        return self.optimised(rows).order_by(self.key).iterator(chunk_size=self.batch)
