"""The CapabilityStatement and SMART configuration, both built from the resource registry."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from lantern.fhir.resources import REGISTRY
from lantern.fhir.resources.base import ModelResource, ResourceType
from lantern.fhir.scopes import IDENTITY

SMART_CAPABILITIES = ["client-confidential-asymmetric", "permission-v1", "permission-v2"]
EXPORT = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"
PATIENT_EXPORT = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export"
GROUP_EXPORT = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export"
SEARCH_DOCS = {
    "_id": ("token", "The resource id"),
    "_lastUpdated": ("date", "When the resource last changed (prefixes eq, gt, lt, ge, le)"),
    "_count": ("number", "Resources per page (keyset paging: follow the next link)"),
    "patient": ("reference", "The patient: Patient/<id>"),
    "date": ("date", "The resource's main date (prefixes eq, gt, lt, ge, le)"),
}


def _params(resource: ResourceType) -> list[dict[str, Any]]:
    names = ["_id"]
    if isinstance(resource, ModelResource):
        names.append("_lastUpdated")
        if resource.patient_param and resource.patient_field:
            names.append("patient")
        if resource.date_field:
            names.append("date")
    found = [
        {"name": name, "type": SEARCH_DOCS[name][0], "documentation": SEARCH_DOCS[name][1]}
        for name in names
    ]
    found += [
        {"name": name, "type": param.type, "documentation": param.documentation}
        for name, param in resource.params.items()
    ]
    return found


def _resource(resource: ResourceType) -> dict[str, Any]:
    interactions = [{"code": "read"}, {"code": "search-type"}]
    if resource.name == "QuestionnaireResponse":
        interactions.append({"code": "create"})
    entry: dict[str, Any] = {
        "type": resource.name,
        "interaction": interactions,
        "searchParam": _params(resource),
    }
    if resource.includes:
        entry["searchInclude"] = [f"{resource.name}:{name}" for name in resource.includes]
    if resource.name == "Patient":
        entry["operation"] = [{"name": "export", "definition": PATIENT_EXPORT}]
    return entry


def capability_statement(base_url: str, token_url: str) -> dict[str, Any]:
    resources = [_resource(resource) for resource in REGISTRY.values()]
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-12-01",
        "publisher": settings.LANTERN_APP_NAME,
        "kind": "instance",
        "software": {"name": settings.LANTERN_APP_NAME},
        "implementation": {"description": "FHIR R4 API", "url": base_url},
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "instantiates": ["http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "service": [
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                    "code": "SMART-on-FHIR",
                                }
                            ]
                        }
                    ],
                    "extension": [
                        {
                            "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                            "extension": [{"url": "token", "valueUri": token_url}],
                        }
                    ],
                    "description": (
                        "SMART Backend Services (client_credentials with a private_key_jwt "
                        "assertion, RS384 or ES384). Names and record numbers need the "
                        f"{IDENTITY} scope."
                    ),
                },
                "resource": resources,
                "operation": [
                    {"name": "export", "definition": EXPORT},
                    {"name": "export", "definition": GROUP_EXPORT},
                ],
            }
        ],
    }


def smart_configuration(token_url: str) -> dict[str, Any]:
    scopes = [f"system/{name}.rs" for name in REGISTRY] + ["system/QuestionnaireResponse.c"]
    return {
        "token_endpoint": token_url,
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS384", "ES384"],
        "grant_types_supported": ["client_credentials"],
        "scopes_supported": [*scopes, IDENTITY],
        "capabilities": SMART_CAPABILITIES,
    }
