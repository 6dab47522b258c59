"""AuditEvent: the audit trail's entries about patients the client may see.

The trail itself stays in Lantern (append-only, hash-chained); these are read-only copies.
Source addresses are left out: where staff worked from is not the receiving system's business.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db.models import Q

from lantern.audit.models import AuditEvent, Category
from lantern.fhir import labels
from lantern.fhir.access import ClientAccess
from lantern.fhir.resources.base import Include, Instant, ModelResource, Resource, Row

DICOM = "http://dicom.nema.org/resources/ontology/DCM"
ACTIONS = {
    "read": "R",
    "search": "E",
    "create": "C",
    "update": "U",
    "delete": "D",
    "print": "R",
    "export": "R",
    "disclose": "R",
    "break_glass": "E",
}
OUTCOMES = {"success": "0", "failed": "4", "denied": "8"}


class AuditEventResource(ModelResource):
    name = "AuditEvent"
    model = AuditEvent
    category = Category.AUDIT
    key = "sequence"
    date_field = "at"
    updated_field = "at"
    includes: ClassVar[dict[str, Include]] = {
        "patient": Include("Patient", lambda row: [str(row["patient_id"])])
    }

    def row_filter(self, resource_id: str) -> Q | None:
        return Q(sequence=int(resource_id)) if resource_id.isdigit() else None

    def columns(self, access: ClientAccess) -> tuple[list[str], dict[str, Any]]:
        # Source addresses and the hash chain stay in Lantern: not even read.
        names = ["sequence", "patient_id", "action", "outcome", "actor_label", "detail"]
        return names, {"recorded": Instant("at")}

    def render(self, row: Row, access: ClientAccess) -> list[Resource]:
        entity: dict[str, Any] = {
            "what": {"reference": f"Patient/{row['patient_id']}"},
            "type": {
                "system": "http://terminology.hl7.org/CodeSystem/audit-entity-type",
                "code": "1",
                "display": "Person",
            },
        }
        if row["detail"]:
            entity["description"] = row["detail"]
        return [
            {
                "resourceType": "AuditEvent",
                "id": str(row["sequence"]),
                "meta": labels.meta(row["recorded"], labels.sensitive()),
                "type": {"system": DICOM, "code": "110110", "display": "Patient Record"},
                "action": ACTIONS.get(row["action"], "E"),
                "recorded": row["recorded"],
                "outcome": OUTCOMES.get(row["outcome"], "4"),
                "agent": [{"who": {"display": row["actor_label"] or "unknown"}, "requestor": True}],
                "source": {"observer": {"display": settings.LANTERN_APP_NAME}},
                "entity": [entity],
            }
        ]
