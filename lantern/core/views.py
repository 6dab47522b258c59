"""Refusals Django raises before a view runs: each is audited and answered plainly."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.template import loader

from lantern.audit.models import Action, Outcome
from lantern.audit.services import audit_record


def _refusal(request: HttpRequest, detail: str) -> None:
    user = getattr(request, "user", None)
    audit_record(
        action=Action.READ,
        request=request,
        actor=user if user is not None and user.is_authenticated else None,
        outcome=Outcome.DENIED,
        detail=detail,
    )


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Oversized, malformed or suspicious requests (e.g. a forged session cookie)."""
    _refusal(request, f"request refused: {type(exception).__name__}")
    return HttpResponseBadRequest(loader.render_to_string("400.html", request=request))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without its anti-forgery token, or with a stale one."""
    _refusal(request, "request refused: missing or wrong CSRF token")
    return HttpResponseForbidden(loader.render_to_string("403_csrf.html", request=request))
