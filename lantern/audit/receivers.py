"""Sign-in, sign-out and failed sign-in reach the audit trail through Django's auth signals."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from lantern.audit.models import Action, Outcome
from lantern.audit.services import audit_record


@receiver(user_logged_in)
def _signed_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    # The password step only: the second factor is recorded separately when it passes.
    audit_record(action=Action.LOGIN, request=request, actor=user, detail="password accepted")


@receiver(user_logged_out)
def _signed_out(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(action=Action.LOGOUT, request=request, actor=user)


@receiver(user_login_failed)
def _sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Only a username that belongs to a real account is kept: what someone typed in the
    # username box might be a password or another person's name.
    username = str(credentials.get("username", ""))
    user = get_user_model().objects.filter(username=username).first()
    audit_record(
        action=Action.LOGIN_FAILED,
        request=request,
        actor=user,
        outcome=Outcome.FAILED,
        detail="" if user else "unknown account",
    )
