"""Model fields whose values are sealed with the key ring before they reach the database."""

from __future__ import annotations

import json
from typing import Any

from django.db import models
from django.db.models.lookups import IsNull

from lantern.crypto.runtime import keyring


class SealedMixin:
    """What every sealed field shares: a context naming the column, bound into the seal (a
    value moved to another column does not open), and no lookups but ``isnull``."""

    seal_context: str

    def contribute_to_class(
        self, cls: type[models.Model], name: str, private_only: bool = False
    ) -> None:
        super().contribute_to_class(cls, name, private_only=private_only)  # type: ignore[misc]
        self.seal_context = f"{cls._meta.label_lower}.{name}"

    def get_lookup(self, lookup_name: str) -> Any:
        return IsNull if lookup_name == "isnull" else None


class EncryptedTextField(SealedMixin, models.TextField):  # type: ignore[type-arg]
    """Text sealed with AES-256-GCM; only ``isnull`` lookups are possible.

    Searching happens through blind-index tokens kept beside the model, never through the
    ciphertext. ``max_length`` limits the plaintext in forms, not the stored column.
    """

    description = "Encrypted text"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None:
            return None
        return keyring().decrypt(value, self.seal_context)

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        if value is None:
            return None
        return keyring().encrypt(str(value), self.seal_context)


class EncryptedJSONField(EncryptedTextField):
    """JSON data sealed like text: for structured answers that can be as sensitive as a name."""

    description = "Encrypted JSON"
    # For django-stubs: values are any JSON-compatible Python data, not text.
    _pyi_private_set_type: Any
    _pyi_private_get_type: Any

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        opened = super().from_db_value(value, expression, connection)
        return None if opened is None else json.loads(opened)

    def to_python(self, value: Any) -> Any:
        return value

    def get_prep_value(self, value: Any) -> str | None:
        if value is None:
            return None
        return super().get_prep_value(json.dumps(value, sort_keys=True, ensure_ascii=False))


class EncryptedBinaryField(SealedMixin, models.BinaryField):  # type: ignore[type-arg]
    """Bytes (photographs) sealed with AES-256-GCM; only ``isnull`` lookups."""

    description = "Encrypted binary data"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> bytes | None:
        if value is None:
            return None
        return keyring().open_bytes(bytes(value), self.seal_context)

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        return keyring().seal_bytes(bytes(value), self.seal_context)


SealedField = EncryptedTextField | EncryptedBinaryField


def encrypted_fields() -> list[tuple[type[models.Model], list[SealedField]]]:
    """Every concrete model with encrypted fields, for key rotation and audits of storage."""
    from django.apps import apps

    found = []
    for model in apps.get_models():
        fields = [
            f
            for f in model._meta.concrete_fields
            if isinstance(f, EncryptedTextField | EncryptedBinaryField)
        ]
        if fields:
            found.append((model, fields))
    return found
