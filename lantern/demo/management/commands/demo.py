"""``lantern demo``: a demo health system with two clinics and one user per role.

Runs only in demo mode. Each run gives every demo user a fresh random password and prints
them, so nothing reusable is ever written down. The first time, fictional patients are added
with a past of visits, screenings and follow-up activities, so the worklists and the program
reports show what a clinic's months look like. The demo physician is the clinic's clinical
lead, who may adapt and publish follow-up protocols.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from lantern.accounts import mfa
from lantern.accounts.models import Clinic, ClinicianType, HealthSystem, Role, User
from lantern.demo.history import HistorySize, history_bulk_create
from lantern.patients.bulk import patients_bulk_create
from lantern.patients.models import Patient
from lantern.patients.synthetic import synthetic_patients
from lantern.referrals.demo import demo_directory_load

SYSTEM = "Demo Health System"
# Fictional addresses at a domain reserved for examples (RFC 2606): staff accounts need an
# address to be edited, and security notices to them must reach no one real.
EMAIL_DOMAIN = "example.org"
CLINICS = ("Riverside Clinic", "Eastside Health Center")
# Clinical leads among the demo users (they may adapt and publish follow-up protocols).
CLINICAL_LEADS = {"demo.clinician"}
# username, display name, role, clinician type, clinics (indexes into CLINICS)
USERS = (
    ("demo.clinician", "Dr. Rivera (demo)", Role.CLINICIAN, ClinicianType.PHYSICIAN, (0,)),
    ("demo.nurse", "Nurse Okafor (demo)", Role.CLINICIAN, ClinicianType.SANE, (1,)),
    ("demo.advocate", "Sam Lee, advocate (demo)", Role.ADVOCATE, "", (0,)),
    ("demo.counselor", "Ana Cruz, counselor (demo)", Role.COUNSELOR, "", (0,)),
    ("demo.manager", "Pat Morgan, program manager (demo)", Role.PROGRAM_MANAGER, "", (0, 1)),
    ("demo.privacy", "Jo Kim, privacy officer (demo)", Role.PRIVACY_OFFICER, "", (0, 1)),
    ("demo.admin", "Alex Shaw, administrator (demo)", Role.ADMINISTRATOR, "", (0, 1)),
)


class Command(BaseCommand):
    help = "Create or refresh the demo health system and print its demo users (demo mode only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--patients", type=int, default=300, help="fictional patients per clinic on first run"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.MODE != "demo":
            raise CommandError("lantern demo only runs with LANTERN_MODE=demo.")
        with transaction.atomic():
            system, _ = HealthSystem.objects.get_or_create(name=SYSTEM)
            clinics = [
                Clinic.objects.get_or_create(health_system=system, name=name)[0] for name in CLINICS
            ]
            credentials = [self._user(system, clinics, *spec) for spec in USERS]
            demo_directory_load(system)
        if not Patient.objects.exists() and options["patients"] > 0:
            for index, clinic in enumerate(clinics):
                clinicians = [
                    u
                    for u, _ in credentials
                    if u.role == Role.CLINICIAN and clinic in u.clinics.all()
                ]
                team = clinicians + [
                    u
                    for u, _ in credentials
                    if u.role in {Role.ADVOCATE, Role.COUNSELOR} and index == 0
                ]
                patients_bulk_create(
                    actor=None,
                    clinic=clinic,
                    care_team=team,
                    records=synthetic_patients(
                        options["patients"], 100 + index, timezone.localdate()
                    ),
                )
                # Their past two years at the clinic, seen by its clinicians: enough visits
                # and screenings a month that the reports show counts, not suppressions.
                count = options["patients"]
                history_bulk_create(
                    clinic=clinic,
                    staff=clinicians,
                    size=HistorySize(visits=3 * count, screenings=2 * count, activities=2 * count),
                    seed=200 + index,
                )
        self._print(credentials)

    def _user(
        self,
        system: HealthSystem,
        clinics: list[Clinic],
        username: str,
        name: str,
        role: str,
        clinician_type: str,
        clinic_indexes: tuple[int, ...],
    ) -> tuple[User, str]:
        user = User.objects.filter(username=username).first() or User(username=username)
        user.display_name, user.role, user.clinician_type = name, role, clinician_type
        user.clinical_lead = username in CLINICAL_LEADS
        user.email = f"{username}@{EMAIL_DOMAIN}"
        user.health_system, user.is_active = system, True
        password = "-".join(secrets.token_urlsafe(4) for _ in range(3))
        user.set_password(password)
        user.save()
        user.clinics.set([clinics[i] for i in clinic_indexes])
        mfa.demo_enrol(user)
        return user, password

    def _print(self, credentials: list[tuple[User, str]]) -> None:
        line = "=" * 72
        self.stdout.write(line)
        self.stdout.write("  DEMO ONLY - fictional users and patients. Passwords change each run.")
        self.stdout.write(line)
        for user, password in credentials:
            self.stdout.write(f"  {user.get_role_display():<26} {user.username:<18} {password}")
        self.stdout.write(line)
        self.stdout.write("  Second factor: in another terminal, `make totp USER=demo.clinician`")
        self.stdout.write("  prints that user's current 6-digit code.")
        self.stdout.write(line)
