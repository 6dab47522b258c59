"""``lantern seed --patients N [--visits N --screenings N --activities N --audit-entries N]``:
add fictional patients, and grow a history for a clinic's patients, for demos and benchmarks."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from lantern.accounts.models import Clinic, User
from lantern.demo.history import HistorySize, history_bulk_create
from lantern.patients.bulk import patients_bulk_create
from lantern.patients.synthetic import synthetic_patients

HISTORY = (
    ("visits", "visits"),
    ("screenings", "completed screenings"),
    ("activities", "care-plan activities"),
    ("audit_entries", "audit entries (chained and sealed)"),
)


class Command(BaseCommand):
    help = "Create realistic fictional patients (never real people) at a clinic."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--patients", type=int, default=0, help="how many to create")
        for name, what in HISTORY:
            parser.add_argument(
                f"--{name.replace('_', '-')}",
                type=int,
                default=0,
                help=f"{what} to add to the history of the clinic's patients",
            )
        parser.add_argument(
            "--seed", type=int, default=1, help="random seed (same seed, same patients)"
        )
        parser.add_argument("--clinic", help="clinic name (default: the first clinic)")
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="allow fictional patients in a production registry (e.g. a training install)",
        )
        parser.add_argument(
            "--care-team",
            action="append",
            default=[],
            metavar="USERNAME",
            help="staff member to put on every new patient's care team (repeatable)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION and not options["allow_production"]:
            raise CommandError(
                "Lantern is in production mode: fictional patients would mix with real ones. "
                "Use --allow-production only for a training installation."
            )
        count: int = options["patients"]
        size = HistorySize(**{name: options[name] for name, _ in HISTORY})
        if count < 0 or min(size.visits, size.screenings, size.activities, size.audit_entries) < 0:
            raise CommandError("Counts cannot be negative.")
        if count == 0 and size.rows == 0:
            raise CommandError("--patients must be at least 1 (or ask for a history).")
        clinics = Clinic.objects.order_by("pk")
        clinic = (
            clinics.filter(name=options["clinic"]).first() if options["clinic"] else clinics.first()
        )
        if clinic is None:
            raise CommandError("No such clinic. Create one first (for a demo: lantern demo).")
        team = list(User.objects.filter(username__in=options["care_team"]))
        missing = set(options["care_team"]) - {user.username for user in team}
        if missing:
            raise CommandError(f"No staff member with username {', '.join(sorted(missing))}.")
        if count:
            self._patients(clinic, team, count, options["seed"])
        if size.rows:
            self._history(clinic, team, size, options["seed"])

    def _patients(self, clinic: Clinic, team: list[User], count: int, seed: int) -> None:
        started = time.perf_counter()
        created = patients_bulk_create(
            actor=None,
            clinic=clinic,
            care_team=team,
            records=synthetic_patients(count, seed, timezone.localdate()),
        )
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"Created {created} fictional patients at {clinic.name} in {elapsed:.1f} s "
            f"({created / elapsed:.0f} per second)."
        )

    def _history(self, clinic: Clinic, team: list[User], size: HistorySize, seed: int) -> None:
        # The care team saw the patients; without one, the clinic's own staff did.
        staff = team or list(User.objects.filter(clinics=clinic, is_active=True).order_by("pk"))
        if not staff:
            raise CommandError("A history needs staff: give --care-team or add staff first.")
        started = time.perf_counter()
        try:
            made = history_bulk_create(clinic=clinic, staff=staff, size=size, seed=seed)
        except ValueError as error:
            raise CommandError(f"No history added: {error}.") from None
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"Added {made.visits} visits, {made.screenings} screenings, {made.activities} "
            f"activities and {made.audit_entries} audit entries at {clinic.name} in "
            f"{elapsed:.1f} s ({made.rows / elapsed:.0f} rows per second)."
        )
