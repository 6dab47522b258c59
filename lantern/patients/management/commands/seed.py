"""``lantern seed --patients N [--seed S]``: add fictional patients for demos and benchmarks."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from lantern.accounts.models import Clinic, User
from lantern.patients.bulk import patients_bulk_create
from lantern.patients.synthetic import synthetic_patients


class Command(BaseCommand):
    help = "Create realistic fictional patients (never real people) at a clinic."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--patients", type=int, required=True, help="how many to create")
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
        if count < 1:
            raise CommandError("--patients must be at least 1.")
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
        started = time.perf_counter()
        created = patients_bulk_create(
            actor=None,
            clinic=clinic,
            care_team=team,
            records=synthetic_patients(count, options["seed"], timezone.localdate()),
        )
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"Created {created} fictional patients at {clinic.name} in {elapsed:.1f} s "
            f"({created / elapsed:.0f} per second)."
        )
