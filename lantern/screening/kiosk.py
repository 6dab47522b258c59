"""Tablet self-screening: while a kiosk session is active the browser can reach nothing else.

Staff start self-screening on a signed-in clinic tablet and hand it over. From then on this
middleware sends every request outside the kiosk pages back to them, so the patient cannot
open the staff member's lists or records. Staff end it by re-entering their password and
code on the tablet.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve, reverse

from lantern.accounts.middleware import redirect_to

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
    }
)


class KioskLockMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.session.get(KIOSK_SESSION):
            try:
                view_name = resolve(request.path_info).view_name
            except Resolver404:
                view_name = ""
            if view_name not in ALLOWED_VIEWS:
                return redirect_to(request, reverse("screening:kiosk"))
        return self.get_response(request)
