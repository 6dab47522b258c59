"""Tablet self-screening: while a kiosk session is active the browser can reach nothing else.

Staff start self-screening on a signed-in clinic tablet and hand it over. From then on this
middleware sends every request outside the kiosk pages back to them, so the patient cannot
open the staff member's lists or records. Staff end it by re-entering their password and
code on the tablet.

A tablet left idle for the idle time-out (15 minutes by default) signs the staff member out
like any session, but does not fall to the staff sign-in page: it shows a neutral page in
the patient's language, quick exit first, and keeps the answers given so far. Staff sign in
again on the tablet to give it back to the patient or to take it back.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve, reverse

from lantern.accounts.middleware import expired_reason, redirect_to
from lantern.audit.models import Action
from lantern.audit.services import audit_record
from lantern.screening import services
from lantern.screening.models import Mode, ScreeningSession, Status

KIOSK_SESSION = "lantern_kiosk_token"
KIOSK_LANGUAGE = f"{KIOSK_SESSION}_language"  # the language the patient chose on the tablet
ALLOWED_VIEWS = frozenset(
    {
        "screening:kiosk",
        "screening:kiosk_language",
        "screening:kiosk_questions",
        "screening:kiosk_done",
        "screening:kiosk_exit",
        "screening:kiosk_unlock",
        "screening:kiosk_resume",
    }
)
# On a tablet left idle, staff sign in again through the usual pages.
STAFF_SIGN_IN_VIEWS = frozenset(
    {"accounts:login", "accounts:two_factor", "accounts:password_change", "accounts:logout"}
)


def _view_name(request: HttpRequest) -> str:
    try:
        return resolve(request.path_info).view_name
    except Resolver404:
        return ""


class KioskIdleMiddleware:
    """Before the session time-out: a tablet's idle time-out keeps the tablet's screening.

    The staff member is signed out (audited as any time-out), and the fresh session keeps
    only the tablet's token and the patient's language, so the tablet can show its neutral
    page and staff can resume once they have signed in again.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = request.session.get(KIOSK_SESSION)
        if token and request.user.is_authenticated:
            reason = expired_reason(request)
            if reason:
                return self._lock(request, str(token), reason)
        return self.get_response(request)

    @staticmethod
    def _lock(request: HttpRequest, token: str, reason: str) -> HttpResponse:
        language = request.session.get(KIOSK_LANGUAGE)
        user = request.user
        logout(request)
        audit_record(
            action=Action.LOGOUT, request=request, actor=user, detail=f"{reason} on a tablet"
        )
        session = ScreeningSession.objects.filter(kiosk_token=token, mode=Mode.KIOSK).first()
        if (
            session is not None
            and session.status == Status.IN_PROGRESS
            and session.kiosk_idle_at is None
        ):
            services.kiosk_idle_lock(session=session, reason=reason)
        request.session[KIOSK_SESSION] = token
        if language:
            request.session[KIOSK_LANGUAGE] = language
        return redirect_to(request, reverse("screening:kiosk"))


class KioskLockMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.session.get(KIOSK_SESSION):
            view_name = _view_name(request)
            user = request.user
            signing_in = (
                not user.is_authenticated
                or not getattr(user, "is_verified", lambda: False)()
                or getattr(user, "must_change_password", False)
            )
            allowed = ALLOWED_VIEWS | STAFF_SIGN_IN_VIEWS if signing_in else ALLOWED_VIEWS
            if view_name not in allowed:
                return redirect_to(request, reverse("screening:kiosk"))
        return self.get_response(request)
