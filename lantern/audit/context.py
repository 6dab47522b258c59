"""Where the current request comes from, so services can audit without seeing the request."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

from lantern.core.client_ip import client_ip

current_source_address: ContextVar[str | None] = ContextVar("source_address", default=None)


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_source_address.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            current_source_address.reset(token)
