"""The key ring: AES-GCM sealing of field values and HMAC blind-index tokens.

Sealed value format: ``lx1.<key id>.<base64url(nonce || ciphertext+tag)>``. The plaintext is
padded to a multiple of 32 bytes so ciphertext length does not reveal the exact length of a
name, and each value is bound to its field through the associated data, so a ciphertext
copied into another column fails to open.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.exceptions import ImproperlyConfigured

PREFIX = "lx1"
BYTES_PREFIX = "lxb1"
KEY_BYTES = 32
NONCE_BYTES = 12
PAD_BLOCK = 32
KEY_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,16}$")


class DecryptionError(Exception):
    """A sealed value could not be opened (unknown key, wrong field, or tampering)."""


def generate_key() -> str:
    """A new random 256-bit key, base64url-encoded, for the environment."""
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode("ascii")


def new_key_material(key_id: str) -> list[str]:
    """Environment lines for a new encryption key and blind-index key (``lantern keys
    generate``). Needs no settings: it is how an installation gets its first keys."""
    if not KEY_ID_RE.match(key_id):
        raise ValueError("A key id is 1-16 letters, digits, '-' or '_'.")
    return [
        f"LANTERN_ENCRYPTION_KEYS={key_id}:{generate_key()}",
        f"LANTERN_INDEX_KEY={generate_key()}",
        f"LANTERN_AUDIT_KEY={generate_key()}",
        "# Keep these secret. To rotate, put a new id:key first and keep the old ones after it.",
    ]


def _decode_key(material: str, what: str) -> bytes:
    text = material.strip()
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise ImproperlyConfigured(f"{what} is not valid base64url key material.") from None
    if len(raw) != KEY_BYTES:
        raise ImproperlyConfigured(
            f"{what} must decode to {KEY_BYTES} bytes (256 bits), not {len(raw)} bytes."
        )
    return raw


def _pad(data: bytes) -> bytes:
    padded = data + b"\x80"
    return padded + b"\x00" * (-len(padded) % PAD_BLOCK)


def _unpad(data: bytes) -> bytes:
    end = data.rstrip(b"\x00")
    if not end.endswith(b"\x80"):
        raise DecryptionError("sealed value has invalid padding")
    return end[:-1]


@dataclass(frozen=True)
class KeyRing:
    """Encryption keys by id (the active one seals new values) and the blind-index key."""

    keys: Mapping[str, bytes]
    active_id: str
    index_key: bytes
    _ciphers: dict[str, AESGCM] = field(default_factory=dict, compare=False, repr=False)

    def __repr__(self) -> str:  # never show key material
        return f"KeyRing(active_id={self.active_id!r}, key_ids={sorted(self.keys)!r})"

    @classmethod
    def from_config(cls, encryption_keys: str, index_key: str) -> KeyRing:
        """Parse ``id:key,id:key`` (newest first) and the index key; fail with a clear message."""
        entries = [item.strip() for item in encryption_keys.split(",") if item.strip()]
        if not entries:
            raise ImproperlyConfigured("LANTERN_ENCRYPTION_KEYS must list at least one id:key.")
        keys: dict[str, bytes] = {}
        for position, entry in enumerate(entries, start=1):
            key_id, sep, material = entry.partition(":")
            if not sep or not KEY_ID_RE.match(key_id):
                raise ImproperlyConfigured(
                    f"LANTERN_ENCRYPTION_KEYS entry {position} must look like "
                    "'<id>:<base64url key>' with an id of 1-16 letters, digits, '-' or '_'."
                )
            if key_id in keys:
                raise ImproperlyConfigured(
                    f"LANTERN_ENCRYPTION_KEYS lists key id {key_id!r} twice."
                )
            keys[key_id] = _decode_key(material, f"LANTERN_ENCRYPTION_KEYS key {key_id!r}")
        index = _decode_key(index_key, "LANTERN_INDEX_KEY")
        if index in keys.values():
            raise ImproperlyConfigured(
                "LANTERN_INDEX_KEY must differ from every key in LANTERN_ENCRYPTION_KEYS."
            )
        return cls(keys=keys, active_id=entries[0].partition(":")[0], index_key=index)

    def _cipher(self, key_id: str) -> AESGCM:
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            cipher = AESGCM(self.keys[key_id])
            self._ciphers[key_id] = cipher
        return cipher

    def _seal(self, data: bytes, context: str) -> bytes:
        """Nonce then AES-GCM ciphertext under the active key, bound to ``context``."""
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._cipher(self.active_id).encrypt(nonce, data, context.encode("utf-8"))

    def _open(self, key_id: str, raw: bytes, context: str) -> bytes:
        if key_id not in self.keys:
            raise DecryptionError(
                f"value was sealed with key {key_id!r}, which is not in LANTERN_ENCRYPTION_KEYS"
            )
        try:
            return self._cipher(key_id).decrypt(
                raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode("utf-8")
            )
        except (InvalidTag, ValueError):
            raise DecryptionError(f"value sealed with key {key_id!r} failed to open") from None

    def encrypt(self, plaintext: str, context: str) -> str:
        sealed = self._seal(_pad(plaintext.encode("utf-8")), context)
        body = base64.urlsafe_b64encode(sealed).decode("ascii").rstrip("=")
        return f"{PREFIX}.{self.active_id}.{body}"

    def decrypt(self, token: str, context: str) -> str:
        key_id = key_id_of(token)
        body = token.split(".", 2)[2]
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except (binascii.Error, ValueError):
            raise DecryptionError(f"value sealed with key {key_id!r} failed to open") from None
        return _unpad(self._open(key_id, raw, context)).decode("utf-8")

    def seal_bytes(self, data: bytes, context: str) -> bytes:
        """Binary data (photographs): ``lxb1.<key id>.`` then nonce and ciphertext, no padding."""
        return f"{BYTES_PREFIX}.{self.active_id}.".encode("ascii") + self._seal(data, context)

    def open_bytes(self, blob: bytes, context: str) -> bytes:
        key_id = bytes_key_id_of(blob)
        return self._open(key_id, blob[len(BYTES_PREFIX) + len(key_id) + 2 :], context)

    def blind(self, purpose: str, value: str) -> int:
        """A keyed 64-bit token for equality search; reveals nothing without the index key."""
        digest = hmac.new(self.index_key, f"{purpose}\x00{value}".encode(), hashlib.sha256).digest()
        return int.from_bytes(digest[:8], "big", signed=True)


def key_id_of(token: str) -> str:
    parts = token.split(".", 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        raise DecryptionError("value is not a Lantern sealed value")
    return parts[1]


def bytes_key_id_of(blob: bytes) -> str:
    head, _, rest = bytes(blob).partition(b".")
    key_id, dot, _ = rest.partition(b".")
    if head.decode("ascii", "replace") != BYTES_PREFIX or not dot:
        raise DecryptionError("value is not a Lantern sealed binary value")
    return key_id.decode("ascii", "replace")
