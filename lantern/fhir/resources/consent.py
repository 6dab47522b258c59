"""Consent: each of the patient's consent decisions as a computable provision.

One record, one Consent: the scope (treatment for examination steps, patient privacy for
disclosures), the actor it concerns, the action (use, collect, disclose), the period it runs
for, and ``permit`` or ``deny``. Records are never edited: a withdrawal is a later Consent
that denies. A consent asked about but deferred is ``proposed``; an expired one ``inactive``.
A named recipient's name stays in Lantern: the actor says only what kind of recipient it is.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet

from lantern.audit.models import Category
from lantern.encounters import consent_rules
from lantern.encounters.choices import ConsentStatus, DisclosureKind, Scope
from lantern.encounters.models import ConsentRecord
from lantern.fhir import labels
from lantern.fhir.access import ClientAccess
from lantern.fhir.resources.base import Include, Instant, ModelResource, Resource, Row
from lantern.fhir.resources.common import codeable, english, local_system, patient_ref

SCOPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/consentscope"
ACTION_SYSTEM = "http://terminology.hl7.org/CodeSystem/consentaction"
PARTICIPATION = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
ACTIONS = {"exam": "use", "photo": "collect", "evidence": "collect", "disclosure": "disclose"}
KIND_OF_SCOPE = {scope: kind for kind, scope in consent_rules.DISCLOSURE_SCOPES.items()}


class ConsentResource(ModelResource):
    name = "Consent"
    model = ConsentRecord
    category = Category.CONSENT
    date_field = "recorded_at"
    updated_field = "recorded_at"
    includes: ClassVar[dict[str, Include]] = {
        "patient": Include("Patient", lambda row: [str(row["patient_id"])])
    }

    def rows(self, access: ClientAccess) -> QuerySet[Any]:
        return ConsentRecord.objects.all()

    def columns(self, access: ClientAccess) -> tuple[list[str], dict[str, Any]]:
        # The recipient's name and the note are sealed and never leave: not even opened.
        names = ["pk", "patient_id", "scope", "status", "expires_at", "encounter_id", "given_by"]
        return names, {"recorded": Instant("recorded_at"), "expires": Instant("expires_at")}

    def render(self, row: Row, access: ClientAccess) -> list[Resource]:
        info = consent_rules.SCOPES[row["scope"]]
        disclosure = info.kind == "disclosure"
        status = "active"
        if row["status"] == ConsentStatus.DEFERRED:
            status = "proposed"
        elif row["expires_at"] is not None and row["expires_at"] <= access.now:
            status = "inactive"
        period = {"start": row["recorded"]}
        if row["expires"] is not None:
            period["end"] = row["expires"]
        provision: dict[str, Any] = {
            "type": "permit" if row["status"] == ConsentStatus.GIVEN else "deny",
            "period": period,
            "actor": [_actor(row, disclosure)],
            "action": [codeable(ACTION_SYSTEM, ACTIONS[info.kind])],
            "code": [
                codeable(
                    local_system(access, "lantern-consent-scope"),
                    row["scope"],
                    english(Scope).get(row["scope"], str(row["scope"])),
                )
            ],
        }
        if info.per_visit and row["encounter_id"] is not None:
            reference = {"reference": f"Encounter/{row['encounter_id']}"}
            provision["data"] = [{"meaning": "related", "reference": reference}]
        scope_code = (
            ("patient-privacy", "Privacy Consent") if disclosure else ("treatment", "Treatment")
        )
        return [
            {
                "resourceType": "Consent",
                "id": str(row["pk"]),
                "meta": labels.meta(row["recorded"], labels.sensitive()),
                "status": status,
                "scope": codeable(SCOPE_SYSTEM, *scope_code),
                "category": [codeable(labels.LOINC, "59284-0", "Patient Consent")],
                "patient": patient_ref(row["patient_id"]),
                "dateTime": row["recorded"],
                "performer": [
                    patient_ref(row["patient_id"])
                    if row["given_by"] == "patient"
                    else {"display": "parent or guardian"}
                ],
                "policyRule": codeable(
                    "http://terminology.hl7.org/CodeSystem/v3-ActCode", "OPTIN", "opt-in"
                ),
                "provision": provision,
            }
        ]


def _actor(row: Row, disclosure: bool) -> dict[str, Any]:
    """Whom the provision is about: the kind of recipient, or the clinic's care team."""
    if disclosure:
        kind = KIND_OF_SCOPE.get(row["scope"], "")
        label = english(DisclosureKind).get(kind, row["scope"])
        return {
            "role": codeable(PARTICIPATION, "IRCP", "information recipient"),
            "reference": {"display": label},
        }
    return {
        "role": codeable(PARTICIPATION, "PRF", "performer"),
        "reference": {"display": "care team at the clinic"},
    }
