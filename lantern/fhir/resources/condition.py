"""Condition: the ICD-10-CM codes a clinician recorded after deciding with the patient.

Lantern only suggests codes. A code becomes a Condition when a clinician recorded it as
agreed with the patient (``discussed_with_patient``), and stops being one if a later
decision for the same code says "not recorded": coding can reach the patient's household
through bills and portals, so the patient's latest word counts.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import Exists, OuterRef, Q, QuerySet

from lantern.audit.models import Category
from lantern.fhir import labels, search
from lantern.fhir.access import ClientAccess
from lantern.fhir.resources.base import Include, Instant, ModelResource, Param, Resource, Row
from lantern.fhir.resources.common import codeable, patient_ref, token_filter
from lantern.screening.decision_support import code_table
from lantern.screening.models import CodeDecision, DiagnosisCode

CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"


def _code_q(system: str | None, code: str, access: ClientAccess) -> Q:
    if system not in (None, labels.ICD10CM):
        return Q(pk__in=[])
    return Q(code=code) | Q(code__startswith=f"{code}X") if code else Q(pk__in=[])


def _entry(code: str) -> dict[str, Any]:
    codes: dict[str, Any] = code_table()["codes"]
    return codes.get(code) or codes.get(code[:6]) or {}


class ConditionResource(ModelResource):
    name = "Condition"
    model = DiagnosisCode
    category = Category.SENSITIVE
    date_field = "decided_at"
    updated_field = "decided_at"
    params: ClassVar[dict[str, Param]] = {
        "code": Param("token", token_filter(_code_q), "ICD-10-CM code: [system|]code"),
        "recorded-date": Param(
            "date",
            lambda rows, values, access: rows.filter(search.date_q("decided_at", values)),
            "When the clinician recorded the code",
        ),
    }
    includes: ClassVar[dict[str, Include]] = {
        "patient": Include("Patient", lambda row: [str(row["patient_id"])])
    }

    def rows(self, access: ClientAccess) -> QuerySet[Any]:
        later_refusal = DiagnosisCode.objects.filter(
            patient_id=OuterRef("patient_id"),
            code=OuterRef("code"),
            decision=CodeDecision.DECLINED,
            decided_at__gt=OuterRef("decided_at"),
        )
        return DiagnosisCode.objects.filter(
            decision=CodeDecision.CONFIRMED, discussed_with_patient=True
        ).exclude(Exists(later_refusal))

    def columns(self, access: ClientAccess) -> tuple[list[str], dict[str, Any]]:
        return ["pk", "patient_id", "code"], {"decided": Instant("decided_at")}

    def render(self, row: Row, access: ClientAccess) -> list[Resource]:
        entry = _entry(row["code"])
        certainty = entry.get("certainty", "confirmed")
        verification = "provisional" if certainty == "suspected" else "confirmed"
        return [
            {
                "resourceType": "Condition",
                "id": str(row["pk"]),
                "meta": labels.meta(row["decided"], labels.sensitive()),
                "clinicalStatus": codeable(CLINICAL, "active", "Active"),
                "verificationStatus": codeable(VERIFICATION, verification),
                "category": [codeable(CATEGORY, "encounter-diagnosis", "Encounter Diagnosis")],
                "code": codeable(labels.ICD10CM, row["code"], entry.get("title", {}).get("en", "")),
                "subject": patient_ref(row["patient_id"]),
                "recordedDate": row["decided"],
            }
        ]
