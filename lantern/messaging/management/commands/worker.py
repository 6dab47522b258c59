"""``lantern worker``: the task worker (django-tasks' database worker, same options), which
first books a delivery run for anything left in the outbox and the care-plan reminder sweep.

A worker that was killed leaves its task marked running forever and the message it was
sending claimed; starting a worker again is what brings both back into delivery.
"""

from __future__ import annotations

from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorker

from lantern.careplans.reminding import book_sweep
from lantern.messaging.delivery import deliver_outbox
from lantern.messaging.models import OutboxMessage
from lantern.reports.tasks import book_refresh


class Command(DatabaseWorker):
    help = "Run the background task worker; undelivered messages are picked up first."

    def handle(self, *args: Any, **options: Any) -> None:
        if OutboxMessage.objects.pending().exists():
            deliver_outbox.enqueue()
        book_sweep()
        book_refresh()
        super().handle(*args, **options)
