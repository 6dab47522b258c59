"""Model fields whose values are sealed with the key ring before they reach the database."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models.lookups import IsNull

from lantern.crypto.runtime import keyring


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """Text sealed with AES-256-GCM; only ``isnull`` lookups are possible.

    Searching happens through blind-index tokens kept beside the model, never through the
    ciphertext. ``max_length`` limits the plaintext in forms, not the stored column.
    """

    description = "Encrypted text"

    def contribute_to_class(
        self, cls: type[models.Model], name: str, private_only: bool = False
    ) -> None:
        super().contribute_to_class(cls, name, private_only=private_only)
        self.seal_context = f"{cls._meta.label_lower}.{name}"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None:
            return None
        return keyring().decrypt(value, self.seal_context)

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        if value is None:
            return None
        return keyring().encrypt(str(value), self.seal_context)

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "isnull":
            return IsNull
        return None


def encrypted_fields() -> list[tuple[type[models.Model], list[EncryptedTextField]]]:
    """Every concrete model with encrypted fields, for key rotation and audits of storage."""
    from django.apps import apps

    found = []
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if fields:
            found.append((model, fields))
    return found
