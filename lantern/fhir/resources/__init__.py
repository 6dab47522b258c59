"""The resource types Lantern serves, one small module each, registered in one table.

Adding a type is a module with a ``ModelResource`` subclass and one line in ``REGISTRY``;
the API routes, the CapabilityStatement and Bulk export all come from this table.
"""

from __future__ import annotations

from lantern.fhir.resources.audit_event import AuditEventResource
from lantern.fhir.resources.base import ResourceType
from lantern.fhir.resources.careplan import CarePlanResource
from lantern.fhir.resources.condition import ConditionResource
from lantern.fhir.resources.consent import ConsentResource
from lantern.fhir.resources.encounter import EncounterResource
from lantern.fhir.resources.patient import PatientResource
from lantern.fhir.resources.questionnaire import QuestionnaireResource
from lantern.fhir.resources.referral import ServiceRequestResource, TaskResource
from lantern.fhir.resources.screening import (
    FlagResource,
    ObservationResource,
    ProvenanceResource,
    QuestionnaireResponseResource,
)

REGISTRY: dict[str, ResourceType] = {
    resource.name: resource
    for resource in (
        PatientResource(),
        EncounterResource(),
        QuestionnaireResource(),
        QuestionnaireResponseResource(),
        ObservationResource(),
        ConditionResource(),
        ConsentResource(),
        CarePlanResource(),
        ServiceRequestResource(),
        TaskResource(),
        FlagResource(),
        AuditEventResource(),
        ProvenanceResource(),
    )
}


def get(name: str) -> ResourceType | None:
    return REGISTRY.get(name)
