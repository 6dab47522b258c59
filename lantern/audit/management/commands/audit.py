"""``lantern audit verify``: check the audit trail's hash chain from the first entry on.

Exit status 0 and "N entries verified, chain intact (head ...)" when every entry matches
its hash and follows the one before it up to the chain head; exit status 1 and the first
broken link (its sequence number and why) otherwise. Operators can note the printed head
and compare it later: a chain rewritten from scratch by someone holding the database would
verify, but its head would differ.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from lantern.audit.verification import DEFAULT_CHUNK_SIZE, verify_stored_chain

HEAD_PREFIX = 16


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="recompute every hash and report the first break")
        verify.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK_SIZE)

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _verify(self, options: dict[str, Any]) -> None:
        verdict = verify_stored_chain(options["chunk_size"])
        if verdict.broken is not None:
            before = "1 entry" if verdict.checked == 1 else f"{verdict.checked} entries"
            self.stderr.write(
                f"Audit chain broken at entry {verdict.broken.sequence}: {verdict.broken.reason}. "
                f"{before} before it verified."
            )
            raise SystemExit(1)
        self.stdout.write(
            f"{verdict.checked} entries verified, chain intact "
            f"(head {verdict.last.entry_hash[:HEAD_PREFIX]})"
        )
