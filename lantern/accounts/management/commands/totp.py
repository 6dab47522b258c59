"""``lantern totp USERNAME``: print a demo account's current sign-in code (demo mode only)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from lantern.accounts import mfa
from lantern.accounts.models import User


class Command(BaseCommand):
    help = "Print the current second-factor code of a demo account (demo mode only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.MODE != "demo":
            raise CommandError(
                "lantern totp only runs with LANTERN_MODE=demo: real accounts use their own app."
            )
        user = User.objects.filter(username=options["username"]).first()
        code = mfa.current_code(user) if user is not None else None
        if code is None:
            raise CommandError(f"{options['username']} has no authenticator set up.")
        self.stdout.write(code)
