"""``lantern reports refresh [--health-system ID]``: count the program reports' figures again.

The report pages read figures counted ahead (and suppressed) per health system; the worker
refreshes them every hour, and this command does it now, e.g. after an import.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lantern.accounts.models import HealthSystem
from lantern.reports.services import reports_refresh


class Command(BaseCommand):
    help = "Count the program reports' figures again, for one or every health system."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        refresh = sub.add_parser("refresh", help="count again now")
        refresh.add_argument("--health-system", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        systems = HealthSystem.objects.order_by("pk")
        if options["health_system"] is not None:
            systems = systems.filter(pk=options["health_system"])
            if not systems.exists():
                raise CommandError(f"No health system {options['health_system']}.")
        for system in systems:
            started = time.perf_counter()
            reports_refresh(health_system=system)
            took = (time.perf_counter() - started) * 1000
            self.stdout.write(f"{system.name}: figures refreshed in {took:.0f} ms")
