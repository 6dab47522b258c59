"""Demo mode's own secrets, created once in the ignored local data folder.

Lantern never ships a default secret: a demo installation generates a Django secret key,
an encryption key and a blind-index key the first time it starts, and keeps them in a file
that only the current user can read.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from lantern.crypto.keyring import generate_key

FILE_NAME = "demo-keys.json"
KEYS = ("secret_key", "encryption_keys", "index_key")


def load_or_create(data_dir: Path) -> dict[str, str]:
    path = data_dir / FILE_NAME
    if not path.exists():
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        material = {
            "secret_key": secrets.token_urlsafe(50),
            "encryption_keys": f"demo1:{generate_key()}",
            "index_key": generate_key(),
            "audit_key": generate_key(),
        }
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(material, handle, indent=2)
        return material
    try:
        material = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ImproperlyConfigured(f"Demo key file {path} cannot be read: {error}") from None
    missing = {"secret_key", "encryption_keys", "index_key"} - set(material)
    if missing:
        raise ImproperlyConfigured(f"Demo key file {path} lacks {', '.join(sorted(missing))}.")
    if "audit_key" not in material:  # demo installations from before the audit key
        material["audit_key"] = generate_key()
        fd = os.open(path, os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(material, handle, indent=2)
    return {key: str(material[key]) for key in (*KEYS, "audit_key")}
