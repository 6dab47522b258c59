"""Step-up re-authentication: password and second factor again before sensitive actions.

Break-the-glass, exports and viewing photographs each require that the staff member proved
who they are within the last few minutes (``LANTERN_REAUTH_MINUTES``, default 5).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from lantern.accounts.middleware import redirect_to

REAUTHENTICATED_AT = "lantern_reauthenticated_at"


def mark_reauthenticated(request: HttpRequest) -> None:
    request.session[REAUTHENTICATED_AT] = time.time()


def recently_reauthenticated(request: HttpRequest) -> bool:
    at = request.session.get(REAUTHENTICATED_AT)
    return at is not None and time.time() - at <= settings.LANTERN_REAUTH_WINDOW.total_seconds()


def _return_to(request: HttpRequest) -> str:
    if request.method == "GET":
        return request.get_full_path()
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return reverse("home")


def reauthentication_required(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """Send the user to confirm their identity first unless they just did."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not recently_reauthenticated(request):
            url = reverse("accounts:confirm") + "?" + urlencode({"next": _return_to(request)})
            return redirect_to(request, url)
        return view(request, *args, **kwargs)

    return wrapper
