"""``lantern referrals follow-up``: a follow-up on the care plan for every referral the
partner has not answered within its clinic's period (the task worker also runs this check
for each referral when its period ends)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from lantern.referrals import careplan_links


class Command(BaseCommand):
    help = "Add a care-plan follow-up for each referral still unanswered after its period."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("follow-up", help="follow up unanswered referrals")

    def handle(self, *args: Any, **options: Any) -> None:
        added = careplan_links.follow_up_all()
        self.stdout.write(f"{added} follow-up activities added")
