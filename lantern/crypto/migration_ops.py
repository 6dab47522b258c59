"""Migration operations that seal values stored in plain text, in place.

Used right after an ``AlterField`` that turns a plain column into a sealed one: the column
still holds the old plain values, which the sealed field could not open. Forward, each
value is read as stored (a cast skips the field's opening) and written back through the
field, which seals it; backward, values are opened and written back as plain text.
Both run in the migration's transaction, in batches.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations, models
from django.db.models.functions import Cast

from lantern.crypto.keyring import PREFIX

BATCH = 500


def _batches(queryset: Any) -> Any:
    batch: list[Any] = []
    for row in queryset.iterator(chunk_size=BATCH):
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def seal_existing(app_label: str, model_name: str, *fields: str) -> migrations.RunPython:
    def seal(apps: Any, schema_editor: Any) -> None:
        model = apps.get_model(app_label, model_name)
        stored = model._default_manager.order_by("pk").values_list(
            "pk", *(Cast(name, output_field=models.TextField()) for name in fields)
        )
        for batch in _batches(stored):
            rows = []
            for pk, *values in batch:
                if any(value is not None and value.startswith(f"{PREFIX}.") for value in values):
                    continue  # sealed already (a migration run again)
                rows.append(model(pk=pk, **dict(zip(fields, values, strict=True))))
            model._default_manager.bulk_update(rows, fields)  # saving seals

    def unseal(apps: Any, schema_editor: Any) -> None:
        model = apps.get_model(app_label, model_name)
        for batch in _batches(model._default_manager.order_by("pk").only("pk", *fields)):
            for row in batch:
                plain = {
                    name: models.Value(getattr(row, name), output_field=models.TextField())
                    for name in fields
                }
                model._default_manager.filter(pk=row.pk).update(**plain)

    return migrations.RunPython(seal, unseal)
