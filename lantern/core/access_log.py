"""The web server's access log: method, URL pattern name, status and time; never the path.

``lantern serve`` runs gunicorn with this logger class. The pattern name comes from
``lantern.core.request_logs.RouteNameMiddleware`` through the WSGI environ; a request that
never reached Lantern (a malformed one) is logged as ``unmatched``.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from lantern.core.request_logs import ENVIRON_KEY, UNMATCHED

# Atoms that carry the path or the query string: the request line, the referring page, and
# the environ or header entries ("{name}e", "{name}i") that repeat them.
_PATH_ATOMS = frozenset({"q", "f"})
_PATH_NAMES = frozenset({"referer", "raw_uri", "path_info", "query_string", "request_uri"})


class AccessLogger(Logger):  # type: ignore[misc]
    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> Any:
        atoms = super().atoms(resp, req, environ, request_time)
        for key in list(atoms):
            if key in _PATH_ATOMS or (key.startswith("{") and key[1:-2] in _PATH_NAMES):
                atoms[key] = "-"
        route = str(environ.get(ENVIRON_KEY) or UNMATCHED)
        method = environ.get("REQUEST_METHOD", "-")
        atoms["U"] = route
        atoms["r"] = f"{method} {route} {environ.get('SERVER_PROTOCOL', '-')}"
        return atoms
