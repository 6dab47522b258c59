"""Step-up re-authentication: password and second factor again before sensitive actions.

Break-the-glass, exports and viewing photographs each require that the staff member proved
who they are within the last few minutes (``LANTERN_REAUTH_MINUTES``, default 5).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from lantern.accounts.middleware import redirect_to

if TYPE_CHECKING:
    from lantern.accounts.access import AuthenticatedHttpRequest

REAUTHENTICATED_AT = "lantern_reauthenticated_at"


def mark_reauthenticated(request: HttpRequest) -> None:
    request.session[REAUTHENTICATED_AT] = time.time()


def recently_reauthenticated(request: HttpRequest) -> bool:
    at = request.session.get(REAUTHENTICATED_AT)
    return at is not None and time.time() - at <= settings.LANTERN_REAUTH_WINDOW.total_seconds()


def safe_next(request: HttpRequest, target: str) -> str:
    """``target`` if it stays on this site, else the home page (no open redirects)."""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


def _return_to(request: HttpRequest) -> str:
    if request.method == "GET":
        return request.get_full_path()
    return safe_next(request, request.headers.get("Referer", ""))


def step_up(request: AuthenticatedHttpRequest) -> tuple[bool, Any]:
    """Check a posted password and code for the signed-in user; audit either way.

    Returns (confirmed, form). A wrong password is audited by the sign-in signal, a wrong
    code here, and success as a re-confirmed identity.
    """
    from lantern.accounts.forms import ConfirmIdentityForm
    from lantern.audit.models import Action, Outcome
    from lantern.audit.services import audit_record

    form = ConfirmIdentityForm(
        request.POST if request.method == "POST" else None,
        request=request,
        user=request.user,
    )
    if request.method != "POST":
        return False, form
    if form.is_valid():
        mark_reauthenticated(request)
        audit_record(action=Action.LOGIN, request=request, detail="identity re-confirmed")
        return True, form
    if form.wrong_code:
        audit_record(
            action=Action.LOGIN_FAILED,
            request=request,
            outcome=Outcome.FAILED,
            detail="step-up: wrong second factor code",
        )
    return False, form


def ask_to_reauthenticate(request: HttpRequest) -> HttpResponseBase | None:
    """A redirect to the confirm page unless the user just re-authenticated.

    For views that must check access to the record first (so nobody who may not open it
    is asked for their password), then call this.
    """
    if recently_reauthenticated(request):
        return None
    url = reverse("accounts:confirm") + "?" + urlencode({"next": _return_to(request)})
    return redirect_to(request, url)


def reauthentication_required(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """Send the user to confirm their identity first unless they just did."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return ask_to_reauthenticate(request) or view(request, *args, **kwargs)

    return wrapper
