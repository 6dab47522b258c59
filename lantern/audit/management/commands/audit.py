"""``lantern audit verify`` and ``lantern audit seal``.

``verify`` walks the sealed chain from its first entry to its head and meets every
checkpoint on the way. Exit status 0 and "N entries verified, chain intact (head ...)" when
every link matches its hash, follows the one before it and agrees with each checkpoint;
exit status 1 and the first bad point (its sequence number and why) otherwise. With
``--checkpoints FILE`` it also checks the chain against the checkpoint file kept outside the
database, which is what shows a cut tail, an emptied trail or a rewrite by someone who
could also remove the database's own checkpoints.

``seal`` links appended entries into the chain (one pass; ``--follow`` keeps sealing, as
``lantern serve`` runs it).
"""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from django.utils import timezone

from lantern.audit.sealing import SealingRefused, alarm_if_lagging, audit_seal
from lantern.audit.verification import DEFAULT_CHUNK_SIZE, Report, audit_verify

HEAD_PREFIX = 16


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain, or seal new entries into it."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="recompute every hash and report the first break")
        verify.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK_SIZE)
        verify.add_argument(
            "--checkpoints",
            type=Path,
            default=None,
            metavar="FILE",
            help="the checkpoint file kept outside the database",
        )
        seal = sub.add_parser("seal", help="link appended entries into the chain")
        seal.add_argument("--follow", action="store_true", help="keep sealing until stopped")
        seal.add_argument("--batch-size", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _verify(self, options: dict[str, Any]) -> None:
        report = audit_verify(
            chunk_size=options["chunk_size"], checkpoint_file=options["checkpoints"]
        )
        verdict = report.verdict
        if verdict.broken is not None:
            before = "1 entry" if verdict.entries == 1 else f"{verdict.entries} entries"
            self.stderr.write(
                f"Audit chain broken at entry {verdict.broken.sequence}: {verdict.broken.reason}. "
                f"{before} before it verified."
            )
            raise SystemExit(1)
        if report.problem:
            self.stderr.write(f"Audit checkpoints cannot be trusted: {report.problem}.")
            raise SystemExit(1)
        head = report.head.entry_hash if report.head else "0" * 64
        gaps = (
            "" if not verdict.gaps else f", {verdict.gaps} rolled-back number(s) recorded as gaps"
        )
        self.stdout.write(
            f"{verdict.entries} entries verified, chain intact (head {head[:HEAD_PREFIX]}){gaps}"
        )
        self.stdout.write(self._anchoring(report, options["checkpoints"]))
        if report.awaiting:
            self.stdout.write(f"{report.awaiting} newer entries await sealing.")

    @staticmethod
    def _anchoring(report: Report, path: Path | None) -> str:
        if path is not None:
            return (
                f"Agrees with {report.file_checkpoints} checkpoint(s) in {path} and "
                f"{report.database_checkpoints} in the database."
            )
        if report.database_checkpoints:
            return (
                f"Agrees with {report.database_checkpoints} checkpoint(s) in the database. Only "
                "--checkpoints FILE shows a cut tail, an emptied trail, or a rewrite whose "
                "database checkpoints were removed too."
            )
        return "No checkpoint anchors this chain yet (run 'lantern audit seal')."

    def _seal(self, options: dict[str, Any]) -> None:
        if not options["follow"]:
            done = self._seal_once(options)
            self.stdout.write(
                f"Sealed {done.entries} entries and {done.gaps} gaps in {len(done.batches)} "
                f"batch(es); head at entry {done.head.sequence}."
            )
            return
        self._follow(options)

    def _seal_once(self, options: dict[str, Any]) -> Any:
        try:
            return audit_seal(batch_size=options["batch_size"], alarm=not options["follow"])
        except SealingRefused as error:
            self.stderr.write(f"Audit sealing refused: {error}.")
            raise SystemExit(1) from None

    def _follow(self, options: dict[str, Any]) -> None:
        stopping: list[int] = []
        signal.signal(signal.SIGTERM, lambda signum, _frame: stopping.append(signum))
        signal.signal(signal.SIGINT, lambda signum, _frame: stopping.append(signum))
        last_alarm = 0.0
        while not stopping:
            done = self._seal_once(options)
            now = time.monotonic()
            # One notice per alarm period while the lag lasts, not one per pass.
            if now - last_alarm >= settings.LANTERN_AUDIT_SEAL_ALARM and alarm_if_lagging(done):
                last_alarm = now
            if not done.batches:
                connection.close_if_unusable_or_obsolete()
                time.sleep(settings.LANTERN_AUDIT_SEAL_INTERVAL)
        self.stdout.write(f"audit sealer stopped at {timezone.now():%H:%M:%S}")
