"""The ``/fhir/`` API (django-ninja): routes built from the resource registry, JSON only.

Staff sessions never reach it: every data route needs a SMART bearer token. The
CapabilityStatement, the SMART configuration, the token endpoint and the OpenAPI document
are public. Every error is an OperationOutcome (the token endpoint answers OAuth errors as
RFC 6749 asks).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import translation
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from lantern.audit.models import Action, Outcome
from lantern.audit.services import audit_record
from lantern.core import json_input
from lantern.core.request_logs import route_name
from lantern.fhir import capability, search, smart
from lantern.fhir.access import ClientAccess
from lantern.fhir.exports import register_export_routes
from lantern.fhir.outcomes import (
    FHIR_JSON,
    FhirError,
    bad_request,
    fhir_response,
    forbidden,
    not_found,
    unauthorized,
)
from lantern.fhir.receive import questionnaire_response_receive
from lantern.fhir.resources import REGISTRY
from lantern.fhir.resources.base import ModelResource, Page, Resource, ResourceType
from lantern.fhir.resources.screening import received_resources

logger = logging.getLogger(__name__)
NOT_JSON = ("xml", "turtle", "html")


def base_url(request: HttpRequest) -> str:
    if settings.LANTERN_FHIR_BASE_URL:
        return str(settings.LANTERN_FHIR_BASE_URL)
    return request.build_absolute_uri(reverse("fhir:metadata")).removesuffix("/metadata")


class SmartBearer(HttpBearer):
    """A SMART access token: the request's ``ClientAccess`` or, with ``None``, a 401."""

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> ClientAccess | None:
        try:
            client, grant = smart.bearer(request)
        except FhirError:
            return None
        return ClientAccess(client=client, grant=grant, base_url=base_url(request), request=request)


api = NinjaAPI(
    title="Lantern FHIR R4 API",
    version="4.0.1",
    description="FHIR R4 (4.0.1) with SMART Backend Services and Bulk Data export.",
    urls_namespace="fhir",
    docs_url=None,
    openapi_url="/openapi.json",
)
bearer_auth = SmartBearer()


def _refusal_audit(request: HttpRequest, detail: str) -> None:
    audit_record(action=Action.READ, request=request, outcome=Outcome.DENIED, detail=detail)


@api.exception_handler(FhirError)
def _fhir_error(request: HttpRequest, error: FhirError) -> HttpResponse:
    if error.status in (401, 403):
        access = getattr(request, "auth", None)
        if isinstance(access, ClientAccess):
            access.audit_refusal(f"FHIR {error.status} {request.path_info}"[:200])
        else:
            _refusal_audit(request, f"FHIR {error.status} {request.path_info}"[:200])
    return error.response()


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, error: Exception) -> HttpResponse:
    return _fhir_error(request, unauthorized())


@api.exception_handler(NinjaValidationError)
def _invalid(request: HttpRequest, error: Exception) -> HttpResponse:
    return bad_request("The request's parameters are not valid.").response()


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    return FhirError(error.status_code, "processing", "The request cannot be served.").response()


@api.exception_handler(Http404)
def _missing(request: HttpRequest, error: Exception) -> HttpResponse:
    return not_found().response()


@api.exception_handler(Exception)
def _failure(request: HttpRequest, error: Exception) -> HttpResponse:
    # The pattern's name, never the path: a path can carry what someone typed (request_logs).
    logger.exception("FHIR request failed: %s %s", request.method, route_name(request))
    return FhirError(500, "exception", "The server could not complete the request.").response()


def check_format(request: HttpRequest) -> None:
    """JSON only: an explicit request for XML, Turtle or HTML gets 406."""
    wanted = request.GET.get("_format", "")
    if wanted and wanted not in search.JSON_FORMATS:
        raise FhirError(406, "not-supported", "Lantern serves FHIR JSON only.")
    accept = request.headers.get("Accept", "")
    if (
        accept
        and "json" not in accept
        and "*/*" not in accept
        and any(n in accept for n in NOT_JSON)
    ):
        raise FhirError(406, "not-supported", "Lantern serves FHIR JSON only.")


def access_of(request: HttpRequest) -> ClientAccess:
    access = getattr(request, "auth", None)
    if not isinstance(access, ClientAccess):
        raise unauthorized()
    return access


def require(access: ClientAccess, resource_type: str, permission: str) -> None:
    if not access.grant.allows(resource_type, permission):
        raise forbidden(resource_type, permission)


def in_english(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Resource text (displays, titles) is English whatever the Accept-Language says."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with translation.override("en"):
            check_format(request)
            return view(request, *args, **kwargs)

    return functools.wraps(view)(wrapped)


# --- Public routes ---------------------------------------------------------------------


@api.get("/metadata", auth=None, url_name="metadata", summary="CapabilityStatement")
@in_english
def metadata(request: HttpRequest) -> HttpResponse:
    base = base_url(request)
    return fhir_response(capability.capability_statement(base, f"{base}/auth/token"))


@api.get(
    "/.well-known/smart-configuration",
    auth=None,
    url_name="smart_configuration",
    summary="SMART configuration",
)
def smart_configuration(request: HttpRequest) -> HttpResponse:
    return JsonResponse(capability.smart_configuration(f"{base_url(request)}/auth/token"))


@api.post(
    "/auth/token",
    auth=None,
    url_name="token",
    summary="OAuth 2.0 token endpoint (client_credentials, private_key_jwt)",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            name: {"type": "string"}
                            for name in (
                                "grant_type",
                                "scope",
                                "client_assertion_type",
                                "client_assertion",
                            )
                        },
                    }
                }
            }
        }
    },
)
def token(request: HttpRequest) -> HttpResponse:
    try:
        issued = smart.token_issue(
            form=request.POST, token_url=f"{base_url(request)}/auth/token", request=request
        )
    except smart.TokenError as error:
        body = {"error": error.error, "error_description": error.description}
        return JsonResponse(body, status=error.status, headers={"Cache-Control": "no-store"})
    return JsonResponse(issued.as_dict(), headers={"Cache-Control": "no-store"})


# --- Searches and reads, one pair of routes per registered type -----------------------------


def _query(request: HttpRequest) -> dict[str, list[str]]:
    return {name: request.GET.getlist(name) for name in request.GET}


def patient_of(resource: Resource) -> UUID | None:
    """The patient an included resource is about (for the audit trail)."""
    if resource["resourceType"] == "Patient":
        return UUID(resource["id"])
    reference = (resource.get("subject") or resource.get("patient") or {}).get("reference", "")
    if reference.startswith("Patient/"):
        return UUID(reference.removeprefix("Patient/"))
    return None


def _included(access: ClientAccess, resource: ResourceType, page: Page, query: Any) -> None:
    for wanted in query.get("_include", []):
        source, _, param = wanted.partition(":")
        include = resource.includes.get(param) if source == resource.name else None
        if include is None:
            raise bad_request(f"{resource.name} cannot _include {wanted[:60]!r}.")
        if not access.grant.allows(include.target, "r"):
            continue
        ids = {i for row in _rows_of(resource, access, page) for i in include.ids(row)}
        found = REGISTRY[include.target].read_many(access, ids)
        known = {(r["resourceType"], r["id"]) for r in page.resources + page.included}
        page.included += [r for r in found if (r["resourceType"], r["id"]) not in known]


def _rows_of(resource: ResourceType, access: ClientAccess, page: Page) -> list[Any]:
    if not isinstance(resource, ModelResource):
        return []
    return resource.rows_of(access, [r["id"] for r in page.resources])


def bundle(request: HttpRequest, access: ClientAccess, name: str, page: Page) -> Resource:
    base = access.base_url
    params = request.GET.copy()
    params.pop("_cursor", None)
    self_url = f"{base}/{name}" + (f"?{request.GET.urlencode()}" if request.GET else "")
    links = [{"relation": "self", "url": self_url}]
    if page.next_cursor is not None:
        params["_cursor"] = search.cursor_dumps(page.next_cursor)
        links.append({"relation": "next", "url": f"{base}/{name}?{params.urlencode()}"})
    entries = [
        {
            "fullUrl": f"{base}/{r['resourceType']}/{r['id']}",
            "resource": r,
            "search": {"mode": mode},
        }
        for mode, resources in (("match", page.resources), ("include", page.included))
        for r in resources
    ]
    found: Resource = {"resourceType": "Bundle", "type": "searchset", "link": links}
    if entries:
        found["entry"] = entries
    return found


def search_view(resource: ResourceType) -> Callable[..., HttpResponse]:
    def view(request: HttpRequest) -> HttpResponse:
        access = access_of(request)
        require(access, resource.name, "s")
        query = _query(request)
        count = search.page_size(query.get("_count", []))
        cursors = query.get("_cursor", [])
        cursor = search.cursor_loads(cursors[-1]) if cursors else None
        page = resource.search(access, query, count, cursor)
        _included(access, resource, page, query)
        access.audit_search(resource.name, len(page.resources))
        included = [p for p in map(patient_of, page.included) if p]
        patients = [*page.patient_ids, *included]
        access.audit_reads(resource.name, patients, resource.category, "search")
        return fhir_response(bundle(request, access, resource.name, page))

    view.__name__ = f"search_{resource.name}"
    return in_english(view)


def read_view(resource: ResourceType) -> Callable[..., HttpResponse]:
    def view(request: HttpRequest, resource_id: str) -> HttpResponse:
        access = access_of(request)
        require(access, resource.name, "r")
        try:
            found, patient_id = resource.read(access, resource_id)
        except FhirError as error:
            if error.status == 404:
                access.audit_refusal(f"FHIR read {resource.name}: not found or not visible")
            raise
        if patient_id is not None:
            access.audit_reads(resource.name, [patient_id], resource.category, "read")
        else:
            audit_record(
                action=Action.READ,
                request=request,
                actor=access.client,
                detail=f"FHIR read {resource.name}",
            )
        return fhir_response(found)

    view.__name__ = f"read_{resource.name}"
    return in_english(view)


def _parameters(resource: ResourceType) -> list[dict[str, Any]]:
    listed = capability._params(resource)
    names = [p["name"] for p in listed] + ["_count", "_cursor"]
    if resource.includes:
        names.append("_include")
    return [
        {"name": name, "in": "query", "required": False, "schema": {"type": "string"}}
        for name in dict.fromkeys(names)
    ]


FHIR_CONTENT = {FHIR_JSON: {"schema": {"type": "object"}}}


def _responses(*codes: int) -> dict[str, Any]:
    words = {
        200: "A FHIR resource or Bundle",
        201: "Created",
        202: "Accepted",
        400: "Bad request (OperationOutcome)",
        401: "No valid access token (OperationOutcome)",
        403: "The token has no scope for this (OperationOutcome)",
        404: "Not found (OperationOutcome)",
        410: "Gone (OperationOutcome)",
        422: "Not processable (OperationOutcome)",
    }
    return {str(code): {"description": words[code], "content": FHIR_CONTENT} for code in codes}


register_export_routes(api, bearer_auth, in_english, access_of, base_url, _responses)

for _resource in REGISTRY.values():
    api.default_router.add_api_operation(
        f"/{_resource.name}",
        ["GET"],
        search_view(_resource),
        auth=bearer_auth,
        url_name=f"{_resource.name}-search",
        summary=f"Search {_resource.name}",
        tags=[_resource.name],
        openapi_extra={
            "parameters": _parameters(_resource),
            "responses": _responses(200, 400, 401, 403),
        },
    )
    api.default_router.add_api_operation(
        f"/{_resource.name}/{{resource_id}}",
        ["GET"],
        read_view(_resource),
        auth=bearer_auth,
        url_name=f"{_resource.name}-read",
        summary=f"Read {_resource.name}",
        tags=[_resource.name],
        openapi_extra={"responses": _responses(200, 401, 403, 404)},
    )


@api.post(
    "/QuestionnaireResponse",
    auth=bearer_auth,
    url_name="QuestionnaireResponse-create",
    summary="Send answers to a Questionnaire: scored, stored, and returned with the results",
    tags=["QuestionnaireResponse"],
    openapi_extra={
        "requestBody": {"required": True, "content": FHIR_CONTENT},
        "responses": _responses(201, 400, 401, 403, 422),
    },
)
@in_english
def questionnaire_response_create(request: HttpRequest) -> HttpResponse:
    access = access_of(request)
    require(access, "QuestionnaireResponse", "c")
    content_type = request.content_type or ""
    if "json" not in content_type:
        raise FhirError(415, "not-supported", "Send the resource as application/fhir+json.")
    try:
        body = json_input.loads(request.body or b"null")
    except json_input.JsonInputError as error:
        reason = str(error)
        raise bad_request(
            "The body is not JSON." if reason == "not JSON" else f"The body has {reason}."
        ) from None
    result, _scored = questionnaire_response_receive(access=access, body=body)
    created = received_resources(access, result)
    base = access.base_url
    reply = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r} for r in created
        ],
    }
    response = fhir_response(reply, status=201)
    response["Location"] = f"{base}/QuestionnaireResponse/{result.pk}"
    return response


@api.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"],
    "/{path:rest}",
    auth=bearer_auth,
    include_in_schema=False,
    url_name="unknown",
)
def unknown(request: HttpRequest, rest: str) -> HttpResponse:
    return FhirError(
        404, "not-supported", "Lantern serves no such FHIR endpoint; see /fhir/metadata."
    ).response()
