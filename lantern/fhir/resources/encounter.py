"""Encounter: a visit's kind, period and status. Who came with the patient never leaves."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from django.db.models.functions import Coalesce

from lantern.audit.models import Category
from lantern.encounters.choices import EncounterKind
from lantern.encounters.models import Encounter
from lantern.fhir import labels
from lantern.fhir.access import ClientAccess
from lantern.fhir.resources.base import Include, ModelResource, Resource
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
        "patient": Include("Patient", lambda row: [str(row.patient_id)])
    }

    def rows(self, access: ClientAccess) -> QuerySet[Any]:
        # Who came with the patient and the take-home notes are sealed and never leave.
        return (
            Encounter.objects.annotate(_updated=Coalesce("ended_at", "started_at"))
            .select_related("clinic")
            .defer("companion_relationship", "patient_instructions")
        )

    def render(self, row: Encounter, access: ClientAccess) -> list[Resource]:
        code, display = CLASSES.get(row.kind, ("AMB", "ambulatory"))
        period = {"start": labels.instant(row.started_at)}
        if row.ended_at is not None:
            period["end"] = labels.instant(row.ended_at)
        return [
            {
                "resourceType": "Encounter",
                "id": str(row.pk),
                "meta": labels.meta(row.ended_at or row.started_at, labels.sensitive()),
                "status": "in-progress" if row.is_open else "finished",
                "class": {"system": ACT_CODE, "code": code, "display": display},
                "type": [
                    codeable(
                        local_system(access, "lantern-visit-kind"),
                        row.kind,
                        english(EncounterKind).get(row.kind, row.kind),
                    )
                ],
                "subject": patient_ref(row.patient_id),
                "period": period,
                "serviceProvider": {"display": row.clinic.name},
            }
        ]
