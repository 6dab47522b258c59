"""The address a request really came from, for lockouts and the audit trail.

Behind Lantern's own HTTPS proxy (``LANTERN_BEHIND_TLS_PROXY``) every connection comes from
the proxy; the client is then the address the proxy appended last to X-Forwarded-For. Only
that last entry is trusted: anything before it was written by the client.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    if getattr(settings, "LANTERN_BEHIND_TLS_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        candidate = forwarded.split(",")[-1].strip() if forwarded else ""
        if _valid(candidate):
            return candidate
    remote = request.META.get("REMOTE_ADDR") or ""
    return remote if _valid(remote) else None


def _valid(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True
