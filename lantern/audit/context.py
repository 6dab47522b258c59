"""What the audit trail needs to know about the request in progress.

* Where it comes from, so services can audit without seeing the request.
* Which patient's data the page being answered shows (``audit_read_shown``): the read is
  recorded once, when the answer goes out with status 200. A form sent back with its errors
  is a read; a redirect after a successful change is not (the change has its own entry).
* Methods a view does not accept (405) leave a denied entry: Lantern's own pages never send
  them, so they are someone trying the application.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db import models
from django.http import HttpRequest, HttpResponse

from lantern.audit.models import Action, Category
from lantern.core.client_ip import client_ip

current_source_address: ContextVar[str | None] = ContextVar("source_address", default=None)


@dataclass
class ShownRead:
    """The read a page in progress will show: recorded if and when it is answered with 200."""

    patient_id: UUID
    obj: models.Model | None
    category: Category
    detail: str


# One slot per request in progress; ``None`` outside a request (commands, background work).
shown_read: ContextVar[list[ShownRead] | None] = ContextVar("shown_read", default=None)


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        address = current_source_address.set(client_ip(request))
        pending = shown_read.set([])
        try:
            response = self.get_response(request)
            self._record(request, response, shown_read.get() or [])
            return response
        finally:
            shown_read.reset(pending)
            current_source_address.reset(address)

    @staticmethod
    def _record(request: HttpRequest, response: HttpResponse, shown: list[ShownRead]) -> None:
        from lantern.audit.services import audit_record, audit_refused_method  # it imports us

        if response.status_code == 200 and shown:
            read = shown[-1]
            audit_record(
                action=Action.READ,
                request=request,
                patient_id=read.patient_id,
                obj=read.obj,
                category=read.category,
                detail=read.detail,
            )
        elif response.status_code == 405:
            audit_refused_method(request, _url_patient(request))


def _url_patient(request: HttpRequest) -> Any:
    match = getattr(request, "resolver_match", None)
    return None if match is None else match.kwargs.get("patient_id")
