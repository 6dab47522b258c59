"""What a request leaves in the logs: its URL pattern's name, never the path it was sent to.

A path can carry anything a person typed into the address bar (``/no/such/page/<name>/``),
so neither Django's request log nor the web server's access log writes it. Each names the
URL pattern that answered (``patients:detail``), ``static`` for assets, or ``unmatched``.
Refusals (403) and other client errors are one line each, never a traceback: they are
expected, and the audit trail already records every refusal.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from http import HTTPStatus

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

# The WSGI environ key through which the web server's access log learns the pattern name.
ENVIRON_KEY = "lantern.route"
UNMATCHED = "unmatched"


def route_of_path(path: str) -> str:
    """The name of the URL pattern that ``path`` resolves to, ``static`` or ``unmatched``."""
    static_url = settings.STATIC_URL or "/static/"
    if path.startswith(static_url if static_url.startswith("/") else f"/{static_url}"):
        return "static"
    try:
        match = resolve(path)
    except Resolver404:
        return UNMATCHED
    return match.view_name or match.route or UNMATCHED


def route_name(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name or match.route or UNMATCHED
    return route_of_path(request.path_info)


class RouteNameMiddleware:
    """Tell the web server which URL pattern answered, for its access log (first in line,
    so it also sees assets WhiteNoise answers and pages refused before any view runs)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        environ = getattr(request, "environ", None)  # a WSGI request's; absent under ASGI
        if isinstance(environ, dict):
            environ[ENVIRON_KEY] = route_name(request)
        return response


class RequestLineFilter(logging.Filter):
    """Rewrite Django's request records to ``<status> <reason> <method> <pattern name>``.

    Django logs ``Not Found: <path>`` for every 404 and a full traceback for every refusal
    (403). Client errors become one line without the exception; server errors (5xx) keep
    their traceback, which an operator needs, but not the path.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        status = getattr(record, "status_code", None)
        if not isinstance(request, HttpRequest) or not isinstance(status, int):
            return True
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = "HTTP status"
        record.msg = "%s %s %s %s"
        record.args = (status, reason, request.method, route_name(request))
        if status < 500:
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
        return True
