"""Bulk Data routes: ``$export`` kick-off at system, Patient and Group level, status, files.

Group means a clinic: ``Group/<clinic id>`` is every patient of that clinic the client may
see. A client is bound to one clinic, so it may export only its own clinic's group.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from ninja import NinjaAPI

from lantern.audit.models import Action
from lantern.audit.services import audit_record
from lantern.fhir import bulk
from lantern.fhir.access import ClientAccess
from lantern.fhir.models import BulkExport, ExportStatus
from lantern.fhir.outcomes import FhirError, bad_request, fhir_response, forbidden, gone, not_found
from lantern.fhir.resources import REGISTRY

OUTPUT_FORMATS = frozenset({"application/fhir+ndjson", "application/ndjson", "ndjson"})
KICK_OFF_PARAMS = frozenset({"_type", "_since", "_outputFormat"})


def _types(access: ClientAccess, level: str, values: list[str]) -> list[str]:
    possible = [
        name
        for name, resource in REGISTRY.items()
        if level == "system" or resource.in_patient_compartment
    ]
    if not values:
        chosen = [name for name in possible if access.grant.allows(name, "r")]
        if not chosen:
            raise forbidden("any resource type", "r")
        return chosen
    chosen = []
    for name in (part for value in values for part in value.split(",") if part):
        if name not in possible:
            raise bad_request(f"_type names a type this export cannot hold: {name[:40]!r}.")
        if not access.grant.allows(name, "r"):
            raise forbidden(name, "r")
        chosen.append(name)
    return list(dict.fromkeys(chosen))


def _since(values: list[str]) -> datetime.datetime | None:
    if not values:
        return None
    try:
        since = datetime.datetime.fromisoformat(values[-1].replace("Z", "+00:00"))
    except ValueError:
        raise bad_request("_since must be a FHIR instant, e.g. 2026-11-30T00:00:00Z.") from None
    if since.tzinfo is None:
        raise bad_request("_since must carry a time zone.")
    return since


def _kick_off(request: HttpRequest, access: ClientAccess, level: str, group: str) -> HttpResponse:
    if "respond-async" not in request.headers.get("Prefer", ""):
        raise bad_request("A bulk export needs the header Prefer: respond-async.")
    unknown = [name for name in request.GET if name not in KICK_OFF_PARAMS]
    if unknown:
        raise bad_request(f"$export does not take the parameter {unknown[0][:40]!r}.")
    output = request.GET.get("_outputFormat")
    if output is not None and output not in OUTPUT_FORMATS:
        raise bad_request("_outputFormat must be application/fhir+ndjson.")
    types = _types(access, level, request.GET.getlist("_type"))
    since = _since(request.GET.getlist("_since"))
    bulk.exports_expire()
    export = bulk.export_start(
        access=access,
        level=level,
        group_id=group,
        types=types,
        since=since,
        url=request.build_absolute_uri(),
    )
    response = fhir_response(
        {
            "resourceType": "OperationOutcome",
            "issue": [
                {
                    "severity": "information",
                    "code": "informational",
                    "diagnostics": "Export queued.",
                }
            ],
        },
        status=202,
    )
    response["Content-Location"] = f"{access.base_url}/bulk/{export.pk}"
    return response


def _export_of(access: ClientAccess, export_id: str) -> BulkExport:
    try:
        key = UUID(export_id)
    except ValueError:
        raise not_found() from None
    export = BulkExport.objects.filter(pk=key, client=access.client).first()
    if export is None or export.status == ExportStatus.CANCELLED:
        raise not_found()
    return export


def _expired(export: BulkExport) -> bool:
    return export.expires_at is not None and export.expires_at <= timezone.now()


def manifest(access: ClientAccess, export: BulkExport) -> dict[str, Any]:
    return {
        "transactionTime": (export.transaction_time or export.created_at).isoformat(),
        "request": export.request_url,
        "requiresAccessToken": True,
        "output": [
            {
                "type": item.resource_type,
                "url": f"{access.base_url}/bulk/{export.pk}/{item.name}",
                "count": item.resources,
                "extension": {"sha256": item.sha256, "size": item.size},
            }
            for item in export.files.all()
        ],
        "error": [],
    }


def _status(access: ClientAccess, export: BulkExport) -> HttpResponse:
    if export.status in (ExportStatus.QUEUED, ExportStatus.RUNNING):
        response = HttpResponse(status=202)
        response["X-Progress"] = export.progress or str(export.status)
        response["Retry-After"] = "10"
        return response
    if export.status == ExportStatus.FAILED:
        raise FhirError(500, "exception", "The export failed; start a new one.")
    if _expired(export):
        bulk.export_files_remove(export)
        raise gone("This export has expired and its files were removed.")
    response = HttpResponse(json.dumps(manifest(access, export)), content_type="application/json")
    if export.expires_at is not None:
        response["Expires"] = export.expires_at.strftime("%a, %d %b %Y %H:%M:%S GMT")
    return response


def _download(
    access: ClientAccess, export: BulkExport, file_name: str
) -> HttpResponse | StreamingHttpResponse:
    if export.status != ExportStatus.COMPLETED:
        raise not_found()
    if _expired(export):
        bulk.export_files_remove(export)
        raise gone("This export has expired and its files were removed.")
    item = next((f for f in export.files.all() if f.name == file_name), None)
    if item is None:
        raise not_found()
    audit_record(
        action=Action.EXPORT,
        request=access.request,
        actor=access.client,
        obj=export,
        detail=f"FHIR bulk export file downloaded: {item.resource_type} ({item.resources})",
    )
    chunks: Iterator[bytes] = bulk.read_sealed(export, item)
    response = StreamingHttpResponse(chunks, content_type="application/fhir+ndjson")
    response["Content-Length"] = str(item.size)
    response["Digest"] = f"sha-256={item.sha256}"
    return response


def register_export_routes(
    api: NinjaAPI,
    auth: Any,
    in_english: Callable[..., Any],
    access_of: Callable[[HttpRequest], ClientAccess],
    base_url: Callable[[HttpRequest], str],
    responses: Callable[..., dict[str, Any]],
) -> None:
    export_params = {
        "parameters": [
            {"name": name, "in": "query", "required": False, "schema": {"type": "string"}}
            for name in sorted(KICK_OFF_PARAMS)
        ],
        "responses": responses(202, 400, 401, 403),
    }

    @api.get(
        "/$export", auth=auth, url_name="export", tags=["Bulk Data"], openapi_extra=export_params
    )
    @in_english
    def system_export(request: HttpRequest) -> HttpResponse:
        return _kick_off(request, access_of(request), "system", "")

    @api.get(
        "/Patient/$export",
        auth=auth,
        url_name="patient_export",
        tags=["Bulk Data"],
        openapi_extra=export_params,
    )
    @in_english
    def patient_export(request: HttpRequest) -> HttpResponse:
        return _kick_off(request, access_of(request), "patient", "")

    @api.get(
        "/Group/{group_id}/$export",
        auth=auth,
        url_name="group_export",
        tags=["Bulk Data"],
        openapi_extra=export_params,
    )
    @in_english
    def group_export(request: HttpRequest, group_id: str) -> HttpResponse:
        access = access_of(request)
        if group_id != str(access.client.clinic_id):
            access.audit_refusal("FHIR group export: not the client's clinic")
            raise not_found()
        return _kick_off(request, access, "group", group_id)

    @api.api_operation(
        ["GET", "DELETE"],
        "/bulk/{export_id}",
        auth=auth,
        url_name="export_status",
        tags=["Bulk Data"],
        openapi_extra={"responses": responses(200, 202, 401, 404, 410)},
    )
    @in_english
    def export_status(request: HttpRequest, export_id: str) -> HttpResponse:
        access = access_of(request)
        export = _export_of(access, export_id)
        if request.method == "DELETE":
            bulk.export_cancel(access=access, export=export)
            return HttpResponse(status=202)
        return _status(access, export)

    @api.get(
        "/bulk/{export_id}/{file_name}",
        auth=auth,
        url_name="export_file",
        tags=["Bulk Data"],
        openapi_extra={"responses": responses(200, 401, 404, 410)},
    )
    @in_english
    def export_file(
        request: HttpRequest, export_id: str, file_name: str
    ) -> HttpResponse | StreamingHttpResponse:
        access = access_of(request)
        return _download(access, _export_of(access, export_id), file_name)
