"""Plain rows into one model's table, for loading a synthetic history by the million.

``bulk_create`` builds a model instance and a compiled value for every field of every row,
which costs more than the database's own work at this size. ``RowWriter`` takes tuples of
values in a fixed column order, prepares only the fields that need it (sealed fields are
sealed, JSON is encoded, exactly as the ORM would), and writes them with ``COPY`` on
PostgreSQL or ``executemany`` on SQLite (where every value is prepared, as the ORM does).
``new_ids`` reserves primary keys beforehand, so rows that point at each other can be
written in one pass.

Only the model's own table and column names, quoted, are put into SQL text; every value
travels as data.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models


class RowWriter:
    """Writes tuples of values for ``columns`` (field attribute names) of ``model``."""

    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        meta = model._meta
        self.model = model
        self.fields = [meta.get_field(column) for column in columns]
        self.prepare = [_needs_preparing(field) for field in self.fields]
        quote = connection.ops.quote_name
        self.table = quote(meta.db_table)
        self.columns = ", ".join(quote(str(field.column)) for field in self.fields)  # type: ignore[union-attr]

    def write(self, rows: Iterable[Sequence[Any]]) -> int:
        prepared = [self._prepared(row) for row in rows]
        if not prepared:
            return 0
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                statement = f"COPY {self.table} ({self.columns}) FROM STDIN"  # nosec B608
                with cursor.cursor.copy(statement) as copy:
                    for row in prepared:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.fields))
                statement = f"INSERT INTO {self.table} ({self.columns}) VALUES ({marks})"  # noqa: S608  # nosec B608
                cursor.executemany(statement, prepared)
        return len(prepared)

    def _prepared(self, row: Sequence[Any]) -> list[Any]:
        return [
            field.get_db_prep_save(value, connection) if prepare else value  # type: ignore[union-attr]
            for field, prepare, value in zip(self.fields, self.prepare, row, strict=True)
        ]


def _needs_preparing(field: Any) -> bool:
    """PostgreSQL's COPY takes Python values as they are, except sealed fields (they carry a
    ``seal_context``) and JSON; SQLite's driver needs Django's conversions for everything."""
    if connection.vendor != "postgresql":
        return True
    return hasattr(field, "seal_context") or isinstance(field, models.JSONField)


def new_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` primary keys for new rows of ``model``, ascending (inside a transaction on
    SQLite, which admits one writer at a time)."""
    meta = model._meta
    table, pk = meta.db_table, str(meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk, count],
            )
            return [row[0] for row in cursor.fetchall()]
        quote = connection.ops.quote_name
        cursor.execute(f"SELECT COALESCE(MAX({quote(pk)}), 0) FROM {quote(table)}")  # noqa: S608  # nosec B608
        start = int(cursor.fetchone()[0]) + 1
    return list(range(start, start + count))
