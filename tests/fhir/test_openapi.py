"""The OpenAPI document is served, and a bounded schemathesis run finds no server error.

schemathesis generates requests from ``/fhir/openapi.json`` for every operation, with a
valid access token (all scopes) and without, and sends them to Lantern in-process (WSGI).
The only check is the one the API promises: nothing answers 5xx.
"""

from __future__ import annotations

import contextlib

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

MAX_EXAMPLES = 8


def test_the_openapi_document_is_served_and_lists_every_route(client):
    response = client.get("/fhir/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    paths = set(document["paths"])
    assert {
        "/fhir/metadata",
        "/fhir/Patient",
        "/fhir/Patient/{resource_id}",
        "/fhir/$export",
    } <= paths
    assert "bearer" in str(document["components"]["securitySchemes"]).lower()


# Fetching the document touches no database, so it can be loaded while tests are collected.
schema = schemathesis.openapi.from_wsgi("/fhir/openapi.json", get_wsgi_application())


@contextlib.contextmanager
def connections_kept():
    """A WSGI request starts and ends by closing old database connections, which would close
    the test's own transaction on PostgreSQL; Django's test client stops that the same way
    (and connects the handler again after each of its requests, so this wraps only calls)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
@pytest.mark.django_db
def test_no_request_makes_a_server_error(case, fhir):
    headers = {"Authorization": f"Bearer {fhir.token()}", "Prefer": "respond-async"}
    with connections_kept():
        response = case.call(headers=headers)
        anonymous = case.call()
    case.validate_response(response, checks=[not_a_server_error])
    case.validate_response(anonymous, checks=[not_a_server_error])
