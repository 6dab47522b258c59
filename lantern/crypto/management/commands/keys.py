"""``lantern keys generate | status | rotate``: encryption key management for operators.

Rotation: generate a key, put it first in LANTERN_ENCRYPTION_KEYS (keep the old ones after
it), restart Lantern, run ``lantern keys rotate``, check ``lantern keys status`` shows only
the new key in use, then remove the old keys from the environment.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lantern.crypto import rotation
from lantern.crypto.keyring import new_key_material
from lantern.crypto.runtime import keyring


class Command(BaseCommand):
    help = "Generate keys, show which keys sealed stored data, or re-seal data with the newest key."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        generate = sub.add_parser("generate", help="print new key material for the environment")
        generate.add_argument("--id", default="k1", help="id for the new encryption key")
        sub.add_parser("status", help="count stored values per key id")
        rotate = sub.add_parser("rotate", help="re-seal every value with the newest key")
        rotate.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _generate(self, options: dict[str, Any]) -> None:
        try:
            lines = new_key_material(options["id"])
        except ValueError as error:
            raise CommandError(str(error)) from None
        for line in lines:
            self.stdout.write(line)

    def _status(self, options: dict[str, Any]) -> None:
        ring = keyring()
        usage = rotation.key_usage()
        self.stdout.write(f"Active key: {ring.active_id}")
        for key_id in sorted(set(ring.keys) | set(usage)):
            marker = "" if key_id in ring.keys else "  (MISSING from LANTERN_ENCRYPTION_KEYS)"
            self.stdout.write(f"  {key_id}: {usage.get(key_id, 0)} values{marker}")

    def _rotate(self, options: dict[str, Any]) -> None:
        ring = keyring()
        self.stdout.write(f"Re-sealing every encrypted value with key {ring.active_id!r}...")
        for what, count in rotation.reseal_all(options["batch_size"]).items():
            self.stdout.write(f"  {what}: {count}")
        stale = {key: n for key, n in rotation.key_usage().items() if key != ring.active_id and n}
        if stale:
            self.stderr.write(f"Values still sealed with other keys: {stale}")
            raise SystemExit(1)
        self.stdout.write("Done: every stored value is sealed with the newest key.")
