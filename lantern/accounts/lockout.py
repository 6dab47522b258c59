"""Sign-in lockouts: by account *and* address, with a far higher limit for a whole address.

Five wrong passwords for one account from one address pause that account's sign-in from
that address (``AXES_FAILURE_LIMIT``), so a patient kiosk or a ward's shared computer where
one person mistypes does not lock out every colleague behind the same address. An address
as a whole is paused only after ``LANTERN_LOCKOUT_ADDRESS_LIMIT`` failures (100 by
default), far above what a clinic's shared address sees, which still stops guessing many
accounts from one place.

django-axes keeps what was typed in the username box. That may be a password typed into
the wrong box or someone else's name, so Lantern hands axes a keyed hash of it instead
(``AXES_USERNAME_CALLABLE``): the lockout table never holds readable text, yet the same
typed name always meets the same counter, and an administrator can still lift an account's
lockout, because the hash of the account's own username finds its rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.db.models import QuerySet, Sum
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac

from lantern.accounts.models import User

_SALT = "lantern.accounts.lockout.username"


def username_key(typed: str) -> str:
    """The keyed hash under which a typed username is counted (case and spaces ignored)."""
    return salted_hmac(_SALT, typed.strip().casefold(), algorithm="sha256").hexdigest()


def axes_username(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str | None:
    """``AXES_USERNAME_CALLABLE``: what django-axes stores and looks up instead of the name."""
    typed = (credentials or {}).get("username")
    if typed is None and request is not None:
        typed = request.POST.get("username")
    return None if typed is None else username_key(str(typed))


def _failures(attempts: QuerySet[AccessAttempt]) -> int:
    return int(attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0)


class LockoutHandler(AxesDatabaseHandler):  # type: ignore[misc]
    """django-axes' database handler with two limits: one per account at an address, one
    (much higher) per address. ``AXES_LOCKOUT_PARAMETERS`` lists them in that order."""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        account_at_address, address = (
            _failures(attempts) for attempts in self.get_user_attempts(request, credentials)
        )
        if address >= settings.LANTERN_LOCKOUT_ADDRESS_LIMIT:
            return max(account_at_address, int(settings.AXES_FAILURE_LIMIT))
        return account_at_address

    def reset_user_attempts(
        self, request: HttpRequest, credentials: dict[str, Any] | None = None
    ) -> int:
        """A successful sign-in clears that account's failures at that address only: it must
        not wipe the address's count of guesses at other accounts."""
        account_at_address = self.filter_user_attempts(request, credentials)[0]
        count, _ = account_at_address.delete()
        return int(count)


def locked_out(users: Iterable[User]) -> set[int]:
    """Ids of the accounts among ``users`` whose sign-in is paused from some address now."""
    keys = {username_key(user.get_username()): user.pk for user in users}
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    paused = (
        AccessAttempt.objects.filter(username__in=list(keys), attempt_time__gte=since)
        .values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .values_list("username", flat=True)
    )
    return {keys[key] for key in paused}


def unlock(user: User) -> int:
    """Clear the account's failed sign-ins at every address; returns how many were cleared."""
    return int(axes_reset(username=username_key(user.get_username())) or 0)
