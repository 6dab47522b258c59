"""``lantern protocols``: list, check and dry-run the follow-up protocols.

* ``list``: id, version, title, review status and size of every shipped protocol.
* ``check FILE...``: validate protocol files, e.g. a clinic's adapted copy.
* ``plan ID|FILE --facts FILE``: the plan a shipped protocol (by id) or a protocol file makes
  for the facts in FILE (``-`` for stdin), printed as JSON:
  ``{"protocol", "version", "activities": [{"code", "title", "earliest", "due", "latest",
  "urgent", "rationale", "source"}]}``.

Clinical leads use ``plan`` to dry-run a protocol before publishing it. Facts or files that
cannot be used exit with status 2 and name every problem; nothing is half-planned.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lantern.careplans import protocols
from lantern.careplans.protocols import Facts, Protocol

USAGE_ERROR = 2


class Command(BaseCommand):
    help = "List, check and dry-run Lantern's follow-up protocols."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="every shipped protocol")
        check = sub.add_parser("check", help="validate protocol files")
        check.add_argument("paths", nargs="+", type=Path)
        plan = sub.add_parser("plan", help="the plan a protocol makes for a set of facts")
        plan.add_argument("protocol", help="a shipped protocol's id, or a protocol file")
        plan.add_argument("--facts", required=True, help='JSON file, or "-" for stdin')

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _list(self, options: dict[str, Any]) -> None:
        for protocol in protocols.all_protocols().values():
            activities = len(protocol.activities)
            notes = len(protocol.needs_clinical_review)
            self.stdout.write(
                f"{protocol.id:<20} {protocol.version:<7} {protocol.title}\n"
                f"{'':<28} {len(protocol.rules)} rules, {activities} activities, "
                f"{len(protocol.sources)} sources; review: {protocol.review.status}, "
                f"{notes} note(s) for clinical review"
            )

    def _check(self, options: dict[str, Any]) -> None:
        refused = []
        for path in options["paths"]:
            try:
                protocol = protocols.load_protocol_file(path)
            except protocols.ProtocolFileError as error:
                refused.append(str(error))
                continue
            self.stdout.write(f"{path.name}: ok ({protocol.id} {protocol.version})")
        if refused:
            raise _usage("\n".join(refused))

    def _plan(self, options: dict[str, Any]) -> None:
        protocol = _protocol(options["protocol"])
        facts = _facts(options["facts"])
        result = protocols.plan(protocol, facts)
        self.stdout.write(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))


def _protocol(name: str) -> Protocol:
    path = Path(name)
    if name.endswith(".json") or path.is_file():
        try:
            return protocols.load_protocol_file(path)
        except protocols.ProtocolFileError as error:
            raise _usage(str(error)) from error
    try:
        return protocols.get_protocol(name)
    except KeyError:
        known = ", ".join(protocols.all_protocols())
        raise _usage(f"unknown protocol '{name}' (known: {known}; or give a file)") from None


def _facts(source: str) -> Facts:
    try:
        if source == "-":
            text: str | bytes = sys.stdin.read(protocols.LIMITS.file_bytes + 1)
        else:
            text = protocols.read_limited(Path(source))
        data = protocols.read_json(text)
    except OSError as error:
        raise _usage(f"cannot read facts from {source}: {error.strerror}") from error
    except protocols.JsonTextError as error:
        raise _usage(f"facts in {source} refused: {error.reason}") from error
    try:
        return protocols.parse_facts(data)
    except protocols.FactsError as error:
        lines = "\n".join(f"  {field}: {reason}" for field, reason in error.problems)
        raise _usage(f"facts refused:\n{lines}") from error


def _usage(message: str) -> CommandError:
    return CommandError(message, returncode=USAGE_ERROR)
