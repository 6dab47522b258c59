"""Re-sealing stored values with the newest key, and counting which keys are still in use."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.db.models.functions import Cast

from lantern.crypto.fields import EncryptedBinaryField, encrypted_fields
from lantern.crypto.keyring import DecryptionError, bytes_key_id_of, key_id_of


def key_usage() -> Counter[str]:
    """How many stored values each key id sealed, read from the sealed column values."""
    usage: Counter[str] = Counter()
    for model, fields in encrypted_fields():
        for field in fields:
            binary = isinstance(field, EncryptedBinaryField)
            # A cast skips the field's decryption and yields the stored value.
            output: models.Field[Any, Any] = models.BinaryField() if binary else models.TextField()
            sealed = (
                model._default_manager.filter(**{f"{field.name}__isnull": False})
                .annotate(sealed=Cast(field.name, output_field=output))
                .values_list("sealed", flat=True)
            )
            for value in sealed.iterator(chunk_size=2000):
                try:
                    usage[bytes_key_id_of(value) if binary else key_id_of(str(value))] += 1
                except DecryptionError:
                    usage["(not sealed)"] += 1
    return usage


def _reseal(model: type[models.Model], names: list[str], batch_size: int) -> int:
    done = 0
    pks = list(model._default_manager.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(pks), batch_size):
        with transaction.atomic():
            rows = list(
                model._default_manager.select_for_update()
                .filter(pk__in=pks[start : start + batch_size])
                .only("pk", *names)
            )
            # Loading opened every value with its own key; saving seals with the active key.
            model._default_manager.bulk_update(rows, names)
            done += len(rows)
    return done


def reseal_all(batch_size: int = 1000) -> dict[str, int]:
    """Re-seal every encrypted value with the active key, then rebuild blind indexes."""
    report: dict[str, int] = {}
    for model, fields in encrypted_fields():
        report[model._meta.label] = _reseal(model, [f.name for f in fields], batch_size)
    for config in apps.get_app_configs():
        rebuild = getattr(config, "rebuild_blind_indexes", None)
        if rebuild is not None:
            report[f"{config.label} search index"] = rebuild()
    return report
