"""Session rules enforced on the server: time-outs and the second factor."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _

from lantern.audit.models import Action
from lantern.audit.services import audit_record

SIGNED_IN_AT = "lantern_signed_in_at"
SEEN_AT = "lantern_seen_at"
# Writing the session on every request is wasteful; half a minute's precision is plenty.
TOUCH_EVERY_SECONDS = 30

# Views a signed-in user may reach before the second factor: nothing with patient data.
BEFORE_SECOND_FACTOR = frozenset(
    {
        "accounts:login",
        "accounts:logout",
        "accounts:two_factor",
        "accounts:two_factor_setup",
        "set_language",
    }
)


def redirect_to(request: HttpRequest, url: str) -> HttpResponse:
    """A redirect that also works for htmx requests, which would otherwise swap it in."""
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


def with_next(url: str, request: HttpRequest) -> str:
    if request.method == "GET" and not getattr(request, "htmx", False):
        return f"{url}?{urlencode({'next': request.get_full_path()})}"
    return url


class SessionTimeoutMiddleware:
    """End a session after idle minutes or absolute hours, whatever the cookie says."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            expired = expired_reason(request)
            if expired:
                user = request.user
                logout(request)
                audit_record(action=Action.LOGOUT, request=request, actor=user, detail=expired)
                messages.info(request, _("You were signed out to protect patient information."))
                return redirect_to(request, with_next(reverse("accounts:login"), request))
        return self.get_response(request)


def expired_reason(request: HttpRequest) -> str:
    """Why the signed-in session has expired ("" while it has not; then it is touched)."""
    now = time.time()
    session = request.session
    signed_in_at = session.setdefault(SIGNED_IN_AT, now)
    seen_at = session.get(SEEN_AT, now)
    if now - seen_at > settings.LANTERN_IDLE_TIMEOUT.total_seconds():
        return "idle time-out"
    if now - signed_in_at > settings.LANTERN_SESSION_LIFETIME.total_seconds():
        return "session lifetime reached"
    if now - seen_at >= TOUCH_EVERY_SECONDS or SEEN_AT not in session:
        session[SEEN_AT] = now
    return ""


class SecondFactorRequiredMiddleware:
    """Until the second factor is verified, only sign-in pages answer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not getattr(user, "is_verified", lambda: False)():
            try:
                view_name = resolve(request.path_info).view_name
            except Resolver404:
                view_name = ""
            if view_name and view_name not in BEFORE_SECOND_FACTOR:
                return redirect_to(request, with_next(reverse("accounts:two_factor"), request))
        return self.get_response(request)


# Pages a signed-in user who must choose a new password may still open.
BEFORE_PASSWORD_CHANGE = frozenset(
    {
        "accounts:password_change",
        "accounts:logout",
        "accounts:recovery_codes",  # shown once, right after enrolling an authenticator
        "set_language",
    }
)


class PasswordChangeRequiredMiddleware:
    """After an administrator set the password or reset the second factor, the person
    chooses a new password before any other page opens."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and getattr(user, "must_change_password", False)
            and getattr(user, "is_verified", lambda: False)()
        ):
            try:
                view_name = resolve(request.path_info).view_name
            except Resolver404:
                view_name = ""
            if view_name and view_name not in BEFORE_PASSWORD_CHANGE:
                return redirect_to(request, with_next(reverse("accounts:password_change"), request))
        return self.get_response(request)
