"""The FHIR API's URLs: django-ninja's, with a wrong method answered as an OperationOutcome.

Each address answers exactly the methods its FHIR operations declare (django-ninja's, and
``require_GET`` for the two that are not operations); FHIR R4 defines no HEAD. Any other
method is answered 405, and audited like every 405 (``lantern.audit.context``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path

from lantern.core.http import require_GET
from lantern.fhir.api import api
from lantern.fhir.outcomes import FhirError


def _fhir_405(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and "fhir" not in response.get("Content-Type", ""):
            allowed = response["Allow"]
            response = FhirError(
                405, "not-supported", f"This endpoint takes {allowed} only."
            ).response()
            response["Allow"] = allowed
        return response

    return wrapped


def _methods(entry: URLPattern) -> Callable[..., HttpResponse]:
    # The OpenAPI document is read, never written: django-ninja would answer any method.
    return require_GET(entry.callback) if entry.name == "openapi-json" else entry.callback


@require_GET
def root(request: HttpRequest) -> HttpResponse:
    """The base URL itself describes nothing: it points to the CapabilityStatement."""
    return redirect("fhir:metadata")


patterns, app_name, namespace = api.urls
urlpatterns = [
    path("", _fhir_405(root), name="api-root"),  # the name django-ninja looks its prefix up by
    *(
        path(str(entry.pattern), _fhir_405(_methods(entry)), name=entry.name)
        for entry in patterns
        if isinstance(entry, URLPattern) and entry.name != "api-root"
    ),
]
