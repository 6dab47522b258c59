"""Privacy officers hear at once when the audit trail's sealing falls behind."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver
from django.utils.translation import gettext as _

from lantern.accounts.models import Role, User
from lantern.accounts.notifications import notify_staff
from lantern.audit.signals import sealer_lagging


@receiver(sealer_lagging)
def _tell_privacy_officers(
    sender: Any, lag_seconds: float, limit_seconds: int, **kwargs: Any
) -> None:
    officers = User.objects.filter(is_active=True, role=Role.PRIVACY_OFFICER)
    notify_staff(
        officers,
        subject=_("Audit trail sealing is behind"),
        body=_(
            "Audit entries have waited %(minutes)d minutes to be sealed into the tamper-evident "
            "chain (the limit is %(limit)d minutes). Entries are still being recorded. Ask "
            "your system administrator to check that the audit sealer is running."
        )
        % {"minutes": max(1, round(lag_seconds / 60)), "limit": max(1, round(limit_seconds / 60))},
    )
