"""Lantern's WSGI application for ``pages.py``: each answer carries ``X-Bench-Queries``, the
number of SQL statements the request ran. Only the benchmark serves this module."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection

from lantern.wsgi import application as lantern

QUERIES_HEADER = "X-Bench-Queries"


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    count = 0

    def counting(execute: Callable[..., Any], *args: Any) -> Any:
        nonlocal count
        count += 1
        return execute(*args)

    def start(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
        return start_response(status, [*headers, (QUERIES_HEADER, str(count))], *exc_info)

    # Django answers (and so calls ``start``) once the page is rendered and its audit entry
    # written: every statement of the request is counted by then.
    with connection.execute_wrapper(counting):
        return lantern(environ, start)
