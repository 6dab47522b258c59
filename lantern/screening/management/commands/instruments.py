"""``lantern instruments``: list, export, check and score the screening instruments.

* ``list`` — id, version, title, languages and licence of every shipped instrument.
* ``export ID [--language es] [--base-url URL]`` — the FHIR R4 Questionnaire as JSON.
* ``score ID --answers FILE [--threshold N]`` — FILE (``-`` for stdin) holds
  ``{"<linkId>": <answer code or score value>}``; prints the result as JSON.
* ``check FILE...`` — validate instrument files, e.g. a clinic's reviewed copy.

Clinical leads use these to check a clinic's configuration. Anything that cannot be
scored exits with status 2 and names each offending linkId; nothing is half-scored.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lantern.screening import instruments
from lantern.screening.instruments import DEFAULT_FHIR_BASE, Instrument

USAGE_ERROR = 2


class Command(BaseCommand):
    help = "List, export, check and score Lantern's screening instruments."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="every shipped instrument")
        export = sub.add_parser("export", help="print an instrument as a FHIR R4 Questionnaire")
        export.add_argument("instrument_id")
        export.add_argument("--language", default="en")
        export.add_argument("--base-url", default=DEFAULT_FHIR_BASE)
        score = sub.add_parser("score", help="score answers read from a JSON file")
        score.add_argument("instrument_id")
        score.add_argument("--answers", required=True, help='JSON file, or "-" for stdin')
        score.add_argument("--threshold", type=int, default=None)
        check = sub.add_parser("check", help="validate instrument files")
        check.add_argument("paths", nargs="+", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _list(self, options: dict[str, Any]) -> None:
        for instrument in instruments.all_instruments().values():
            kind = "decision support" if instrument.decision_support_only else "screen"
            review = len(instrument.needs_clinical_review)
            self.stdout.write(
                f"{instrument.id:<20} {instrument.version:<7} {instrument.title['en']}\n"
                f"{'':<28} languages {','.join(instrument.languages)}; "
                f"licence: {instrument.licence_short}; {kind}; "
                f"{review} note(s) for clinical review"
            )

    def _export(self, options: dict[str, Any]) -> None:
        instrument = _instrument(options["instrument_id"])
        if options["language"] not in instrument.languages:
            raise _usage(
                f"{instrument.id} has no language '{options['language']}' "
                f"(languages: {', '.join(instrument.languages)})"
            )
        resource = instruments.to_questionnaire(
            instrument, base_url=options["base_url"], language=options["language"]
        )
        self.stdout.write(json.dumps(resource, indent=2, ensure_ascii=False))

    def _score(self, options: dict[str, Any]) -> None:
        instrument = _instrument(options["instrument_id"])
        answers = _read_answers(options["answers"])
        try:
            result = instruments.score(instrument, answers, threshold=options["threshold"])
        except instruments.AnswerError as error:
            lines = "\n".join(f"  {link_id}: {reason}" for link_id, reason in error.problems)
            raise _usage(f"{instrument.id}: cannot score these answers:\n{lines}") from error
        except instruments.ThresholdError as error:
            raise _usage(str(error)) from error
        output = {"instrument": instrument.id, **result.as_dict()}
        self.stdout.write(json.dumps(output, indent=2, ensure_ascii=False))

    def _check(self, options: dict[str, Any]) -> None:
        refused = []
        for path in options["paths"]:
            try:
                instrument = instruments.load_instrument_file(path)
            except instruments.InstrumentFileError as error:
                refused.append(str(error))
                continue
            self.stdout.write(f"{path.name}: ok ({instrument.id} {instrument.version})")
        if refused:
            raise _usage("\n".join(refused))


def _instrument(instrument_id: str) -> Instrument:
    try:
        return instruments.get_instrument(instrument_id)
    except KeyError:
        known = ", ".join(instruments.all_instruments())
        raise _usage(f"unknown instrument '{instrument_id}' (known: {known})") from None


def _read_answers(source: str) -> dict[str, Any]:
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
        answers = json.loads(text)
    except OSError as error:
        raise _usage(f"cannot read answers from {source}: {error.strerror}") from error
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise _usage(f"answers in {source} are not valid JSON: {error}") from error
    if not isinstance(answers, dict):
        raise _usage('answers must be a JSON object: {"<linkId>": <answer code or score>}')
    return answers


def _usage(message: str) -> CommandError:
    return CommandError(message, returncode=USAGE_ERROR)
