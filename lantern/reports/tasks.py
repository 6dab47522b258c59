"""The reports' background refresh: every hour, each health system's figures are counted
again (``lantern worker`` books the first run when it starts)."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django_tasks import task

from lantern.messaging.delivery import book_run
from lantern.reports.services import reports_refresh_all

REFRESH_EVERY = datetime.timedelta(hours=1)


@task()
def refresh_reports() -> int:
    """Background task: refresh every health system's figures, then book the next run."""
    count = len(reports_refresh_all())
    book_run(refresh_reports, timezone.now() + REFRESH_EVERY)
    return count


def book_refresh() -> None:
    """Make sure a refresh is booked (the worker calls this when it starts)."""
    book_run(refresh_reports, timezone.now())
