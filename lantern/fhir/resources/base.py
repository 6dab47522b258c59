"""What a resource type is to the API, and the keyset search every database-backed type shares.

A resource type module declares a ``ModelResource``: which rows a client may see, the
columns its resources are built from, how one row becomes one or more FHIR resources, its
search parameters and ``_include`` targets. The API, the CapabilityStatement and Bulk export
are all built from the registry of these, and reads, searches and exports build a resource
with the same ``render``.

Rows reach ``render`` as plain dicts of exactly those columns (``shape``), never as model
instances: a Bulk export renders hundreds of thousands of rows, and building a model for
each (and opening every sealed field on it) cost more than the resources themselves.
Timestamps come from the database already written as FHIR instants (``Instant``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar
from uuid import UUID

from django.db import connection
from django.db.models import BooleanField, CharField, F, Func, Model, Q, QuerySet

from lantern.audit.models import Category
from lantern.fhir import search
from lantern.fhir.access import ClientAccess
from lantern.fhir.outcomes import bad_request, not_found

Resource = dict[str, Any]
Row = dict[str, Any]  # the columns ``ModelResource.shape`` reads, by name
Filter = Callable[[QuerySet[Any], list[str], ClientAccess], QuerySet[Any]]


INSTANT_PICTURE = 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'  # PostgreSQL's to_char


class Instant(Func):
    """A timestamp column as a FHIR instant (UTC, milliseconds, ``Z``), written by the
    database: what ``labels.instant`` makes of the same value, without parsing a datetime
    only to print it again. Milliseconds are cut, not rounded, as ``isoformat`` cuts them."""

    output_field = CharField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = "to_char(%(expressions)s AT TIME ZONE 'UTC', '" + INSTANT_PICTURE + "')"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # Stored as UTC text, "YYYY-MM-DD HH:MM:SS" with ".ffffff" unless it is zero.
        template = "substr(replace(%(expressions)s, ' ', 'T') || '.000000', 1, 23) || 'Z'"
        return self.as_sql(compiler, connection, template=template, **extra)


class AnyOf(Func):
    """``column = ANY(array)``: membership in a long list of keys as one parameter
    (PostgreSQL only: ``among`` falls back to ``IN`` elsewhere). The keys are UUIDs or
    integers, so their text needs no quoting inside the array literal."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, column: str, values: Iterable[UUID | int]) -> None:
        super().__init__(F(column))
        self.values = "{" + ",".join(map(str, values)) + "}"

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        column = self.get_source_expressions()[0]
        sql, params = compiler.compile(column)
        kind = column.output_field.cast_db_type(connection)
        return f"{sql} = ANY(%s::{kind}[])", [*params, self.values]


def among(column: str, values: Iterable[UUID | int]) -> Any:
    """A filter for rows whose ``column`` is one of ``values`` (a page of keys, often a
    thousand). On PostgreSQL the keys go as one array parameter: as a thousand separate
    parameters, preparing and quoting each cost more than the query itself."""
    if connection.vendor == "postgresql":
        return AnyOf(column, values)
    return Q(**{f"{column}__in": list(values)})


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

    def columns(self, access: ClientAccess) -> tuple[list[str], dict[str, Any]]:
        """What ``render`` reads: field names (``key`` and ``patient_field`` among them) and
        named expressions. Sealed fields not listed are never even read."""
        raise NotImplementedError

    def render(self, row: Row, access: ClientAccess) -> list[Resource]:
        raise NotImplementedError

    def row_filter(self, resource_id: str) -> Q | None:
        """The rows behind one resource id; ``None`` when the id cannot be one of ours."""
        return Q(pk=resource_id) if resource_id.isdigit() else None

    def attach(self, rows: list[Row], access: ClientAccess) -> None:
        """Give fetched rows what they need beyond their query, a page at a time."""

    # --- shared machinery --------------------------------------------------------------

    def shape(self, rows: QuerySet[Any], access: ClientAccess) -> QuerySet[Any]:
        """``rows`` as the plain dicts ``render`` takes."""
        names, expressions = self.columns(access)
        return rows.values(*names, **expressions)

    def fetch(self, rows: QuerySet[Any], access: ClientAccess) -> list[Row]:
        """``rows`` (already narrowed to a page) shaped and attached, ready to render."""
        found = list(self.shape(rows, access))
        self.attach(found, access)
        return found

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
        for row in self.fetch(rows[: count + 1], access):
            resources = self.render(row, access)
            key = str(row[self.key])
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

    def _note_patient(self, page: Page, row: Row) -> None:
        if self.patient_field:
            patient_id = row[self.patient_field]
            if patient_id is not None:
                page.patient_ids.append(patient_id)

    def read(self, access: ClientAccess, resource_id: str) -> tuple[Resource, UUID | None]:
        condition = self.row_filter(resource_id)
        if condition is None:
            raise not_found()
        for row in self.fetch(self.visible(access).filter(condition)[:1], access):
            for resource in self.render(row, access):
                if resource["id"] == resource_id:
                    patient = row[self.patient_field] if self.patient_field else None
                    return resource, patient
        raise not_found()

    def read_many(self, access: ClientAccess, ids: Iterable[str]) -> list[Resource]:
        wanted = set(ids)
        return [
            resource
            for row in self.rows_of(access, wanted)
            for resource in self.render(row, access)
            if resource["id"] in wanted
        ]

    def rows_of(self, access: ClientAccess, resource_ids: Iterable[str]) -> list[Row]:
        """The visible rows behind these resource ids, ready to render."""
        condition = Q(pk__in=[])
        for resource_id in resource_ids:
            condition |= self.row_filter(resource_id) or Q(pk__in=[])
        return self.fetch(self.visible(access).filter(condition), access)

    # Types read from the same rows (a screening result is four resources) name the same
    # source, so an export reads those rows once and renders every type from them.
    export_source: ClassVar[str] = ""

    def export_rows(
        self, access: ClientAccess, patient_ids: list[UUID], since: Any, types: list[Any]
    ) -> Iterator[Row]:
        """Bulk export: the rows of these (already vetted) patients, streamed from the
        database and attached a chunk at a time."""
        rows = self.rows(access).filter(among(str(self.patient_field), patient_ids))
        if since is not None:
            rows = rows.filter(**{f"{self.updated_field}__gt": since})
        return self.stream(self.shape(rows, access).order_by(self.key), access)

    def stream(self, rows: QuerySet[Any], access: ClientAccess) -> Iterator[Row]:
        chunk: list[Row] = []
        for row in rows.iterator(chunk_size=self.batch):
            chunk.append(row)
            if len(chunk) == self.batch:
                self.attach(chunk, access)
                yield from chunk
                chunk = []
        self.attach(chunk, access)
        yield from chunk
