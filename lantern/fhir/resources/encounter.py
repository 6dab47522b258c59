"""Encounter: a visit's kind, period and status. Who came with the patient never leaves."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce

from lantern.audit.models import Category
from lantern.encounters.choices import EncounterKind
from lantern.encounters.models import Encounter
from lantern.fhir import labels
from lantern.fhir.access import ClientAccess
from lantern.fhir.resources.base import Include, Instant, ModelResource, Resource, Row
from lantern.fhir.resources.common import codeable, english, local_system, patient_ref

ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CLASSES = {
    "emergency": ("EMER", "emergency"),
    "telehealth": ("VR", "virtual"),
    "clinic": ("AMB", "ambulatory"),
    "follow_up": ("AMB", "ambulatory"),
}


class EncounterResource(ModelResource):
    name = "Encounter"
    model = Encounter
    category = Category.EXAM
    date_field = "started_at"
    updated_field = "_updated"
    includes: ClassVar[dict[str, Include]] = {
        "patient": Include("Patient", lambda row: [str(row["patient_id"])])
    }

    def rows(self, access: ClientAccess) -> QuerySet[Any]:
        # Who came with the patient and the take-home notes are sealed and never leave:
        # ``columns`` does not even read them.
        return Encounter.objects.annotate(_updated=Coalesce("ended_at", "started_at"))

    def columns(self, access: ClientAccess) -> tuple[list[str], dict[str, Any]]:
        return ["pk", "patient_id", "kind"], {
            "started": Instant("started_at"),
            "ended": Instant("ended_at"),
            "clinic_name": F("clinic__name"),
        }

    def render(self, row: Row, access: ClientAccess) -> list[Resource]:
        code, display = CLASSES.get(row["kind"], ("AMB", "ambulatory"))
        period = {"start": row["started"]}
        if row["ended"] is not None:
            period["end"] = row["ended"]
        return [
            {
                "resourceType": "Encounter",
                "id": str(row["pk"]),
                "meta": labels.meta(row["ended"] or row["started"], labels.sensitive()),
                "status": "in-progress" if row["ended"] is None else "finished",
                "class": {"system": ACT_CODE, "code": code, "display": display},
                "type": [
                    codeable(
                        local_system(access, "lantern-visit-kind"),
                        row["kind"],
                        english(EncounterKind).get(row["kind"], str(row["kind"])),
                    )
                ],
                "subject": patient_ref(row["patient_id"]),
                "period": period,
                "serviceProvider": {"display": row["clinic_name"]},
            }
        ]
