"""The HTTP methods Lantern's views accept. Every view declares its own; anything else is
answered 405 (and audited, see ``lantern.audit.context``)."""

from __future__ import annotations

from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)

# A page with a form: shown on GET (and HEAD), sent with POST.
require_safe_or_POST = require_http_methods(["GET", "HEAD", "POST"])

# ``require_GET`` is for the FHIR API's own addresses: they answer exactly the methods their
# operations declare, and FHIR R4 declares no HEAD.
__all__ = ["require_GET", "require_POST", "require_safe", "require_safe_or_POST"]
