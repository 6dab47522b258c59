"""The key ring Lantern runs with, built once from settings."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from lantern.crypto.keyring import KeyRing


@cache
def keyring() -> KeyRing:
    return KeyRing.from_config(settings.LANTERN_ENCRYPTION_KEYS, settings.LANTERN_INDEX_KEY)


@receiver(setting_changed)
def _reset_keyring(*, setting: str, **kwargs: Any) -> None:
    if setting in {"LANTERN_ENCRYPTION_KEYS", "LANTERN_INDEX_KEY"}:
        keyring.cache_clear()
