"""Every error the FHIR API gives is an OperationOutcome with a status that says what failed.

Messages name the parameter, element or linkId at fault and never echo values a client
sent, stored data, or whether a record the client may not see exists (that is a 404, the
same as a record that does not exist).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.http import HttpResponse

FHIR_JSON = "application/fhir+json"


class FhirError(Exception):
    """An error the client is told about, as an OperationOutcome."""

    def __init__(
        self,
        status: int,
        code: str,
        diagnostics: str,
        *,
        expressions: Sequence[tuple[str, str]] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(diagnostics)
        self.status = status
        self.code = code  # an issue-type code: invalid, security, forbidden, not-found, ...
        self.diagnostics = diagnostics
        self.expressions = tuple(expressions)  # (FHIRPath of the element, what is wrong)
        self.headers = headers or {}

    def outcome(self) -> dict[str, Any]:
        if self.expressions:
            issues = [_issue(self.code, why, [where]) for where, why in self.expressions]
        else:
            issues = [_issue(self.code, self.diagnostics)]
        return {"resourceType": "OperationOutcome", "issue": issues}

    def response(self) -> HttpResponse:
        response = fhir_response(self.outcome(), status=self.status)
        for name, value in self.headers.items():
            response[name] = value
        return response


def _issue(code: str, diagnostics: str, expression: list[str] | None = None) -> dict[str, Any]:
    issue: dict[str, Any] = {"severity": "error", "code": code, "diagnostics": diagnostics}
    if expression:
        issue["expression"] = expression
    return issue


def bad_request(diagnostics: str) -> FhirError:
    return FhirError(400, "invalid", diagnostics)


def not_found() -> FhirError:
    return FhirError(404, "not-found", "No such resource.")


def unauthorized(diagnostics: str = "A valid bearer access token is required.") -> FhirError:
    return FhirError(
        401,
        "login",
        diagnostics,
        headers={"WWW-Authenticate": 'Bearer realm="fhir", error="invalid_token"'},
    )


def forbidden(resource_type: str, permission: str) -> FhirError:
    words = {"r": "read", "s": "search", "c": "create"}
    return FhirError(
        403,
        "forbidden",
        f"The access token has no scope to {words.get(permission, permission)} "
        f"{resource_type} (system/{resource_type}.{permission}).",
        headers={"WWW-Authenticate": 'Bearer realm="fhir", error="insufficient_scope"'},
    )


def gone(diagnostics: str) -> FhirError:
    return FhirError(410, "deleted", diagnostics)


def unprocessable(diagnostics: str, expressions: Sequence[tuple[str, str]] = ()) -> FhirError:
    return FhirError(422, "processing", diagnostics, expressions=expressions)


def fhir_response(resource: dict[str, Any], status: int = 200) -> HttpResponse:
    body = json.dumps(resource, ensure_ascii=False, separators=(",", ":"))
    return HttpResponse(body, status=status, content_type=f"{FHIR_JSON}; charset=utf-8")
