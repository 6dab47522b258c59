"""``lantern directory import FILE|DIR`` and ``lantern directory export --format hsds-json DIR``.

Import reads HSDS 3.0 JSON (per-object files or compiled nested documents) into one health
system's directory, all or nothing; any problem refuses the whole import and prints one row
per problem (file, object, field, problem). Export writes the directory as HSDS 3.0 JSON and
checks every document against the official schemas before writing it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lantern.accounts.models import HealthSystem
from lantern.referrals import services
from lantern.referrals.hsds import exporting


class Command(BaseCommand):
    help = "Import or export the service directory as HSDS 3.0 JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        load = actions.add_parser("import", help="import HSDS JSON files or folders")
        load.add_argument("paths", nargs="+", type=Path, metavar="FILE|DIR")
        load.add_argument("--health-system", help="whose directory (needed when there are several)")
        dump = actions.add_parser("export", help="write the directory as HSDS JSON")
        dump.add_argument("folder", type=Path, metavar="DIR")
        dump.add_argument("--format", choices=["hsds-json"], default="hsds-json")
        dump.add_argument(
            "--form",
            choices=exporting.FORMS,
            default="objects",
            help="objects: one file per record (default); compiled: one nested document "
            "per organisation",
        )
        dump.add_argument("--health-system", help="whose directory (needed when there are several)")

    def handle(self, *args: Any, **options: Any) -> None:
        system = _health_system(options.get("health_system"))
        if options["action"] == "import":
            self._import(system, options["paths"])
        else:
            self._export(system, options["folder"], options["form"])

    def _import(self, system: HealthSystem, paths: list[Path]) -> None:
        missing = [str(path) for path in paths if not path.exists()]
        if missing:
            raise CommandError(f"not found: {', '.join(missing)}")
        result = services.directory_import_files(health_system=system, paths=paths)
        if not result.ok:
            self.stderr.write("file\tobject\tfield\tproblem")
            for problem in result.problems:
                self.stderr.write("\t".join(problem.as_row()))
            raise CommandError(
                f"import refused, nothing was changed: {len(result.problems)} problem(s)"
            )
        self.stdout.write(
            f"imported {result.documents} document(s) into the directory of {system.name}: "
            f"{result.created} record(s) added, {result.updated} replaced"
        )

    def _export(self, system: HealthSystem, folder: Path, form: str) -> None:
        written, digest = services.directory_export(health_system=system, folder=folder, form=form)
        self.stdout.write(
            f"wrote {len(written)} HSDS 3.0 document(s) ({form}) to {folder}, each valid "
            f"against the official schemas; SHA-256 of the set {digest}"
        )


def _health_system(name: str | None) -> HealthSystem:
    systems = HealthSystem.objects.all()
    if name:
        found = systems.filter(name=name).first()
        if found is None:
            raise CommandError(f"no health system named {name!r}")
        return found
    if systems.count() != 1:
        raise CommandError("name the health system with --health-system NAME")
    return systems.get()
