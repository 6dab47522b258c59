"""What a client holding a token may see, and how each of its reads is audited.

A client sees a patient when the patient is registered at the client's clinic *and* the
patient's current consent for the client's kind of disclosure (sharing with the hospital's
EHR, or de-identified reporting) is given and unexpired. A withdrawal takes effect on the
next request. Everything else answers 404, as if it did not exist.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest
from django.utils import timezone

from lantern.audit.models import Action, Category, Outcome
from lantern.audit.services import audit_record
from lantern.encounters.choices import ConsentStatus
from lantern.encounters.models import ConsentRecord
from lantern.fhir.models import ApiClient, Disclosure
from lantern.fhir.scopes import Grant
from lantern.patients.models import Patient


@dataclass
class ClientAccess:
    """One request's client, what its token grants, and the FHIR base URL it called."""

    client: ApiClient
    grant: Grant
    base_url: str
    request: HttpRequest | None = None
    now: datetime.datetime = field(default_factory=timezone.now)

    @property
    def identity_allowed(self) -> bool:
        """Names and record numbers may be decrypted for this token."""
        return self.grant.identity and self.client.disclosure == Disclosure.PRIMARY_CARE

    def patients(self) -> QuerySet[Patient]:
        """Patients of the client's clinic whose current consent covers this client."""
        at_clinic = Exists(
            Patient.clinics.through.objects.filter(
                patient=OuterRef("pk"), clinic_id=self.client.clinic_id
            )
        )
        latest = ConsentRecord.objects.filter(
            patient=OuterRef("pk"), scope=self.client.disclosure
        ).order_by("-recorded_at", "-pk")
        return (
            Patient.objects.filter(at_clinic)
            .annotate(
                _consent=Subquery(latest.values("status")[:1]),
                _consent_expires=Subquery(latest.values("expires_at")[:1]),
            )
            .filter(_consent=ConsentStatus.GIVEN)
            .filter(Q(_consent_expires__isnull=True) | Q(_consent_expires__gt=self.now))
        )

    def patient_ids(self) -> QuerySet[Any, Any]:
        """``patients()`` as a subquery of primary keys, for other resources' filters."""
        return self.patients().values("pk")

    def audit_reads(
        self, resource_type: str, patient_ids: Iterable[UUID], category: Category, how: str
    ) -> None:
        """One read entry per patient whose data this response carries."""
        for patient_id in dict.fromkeys(patient_ids):
            audit_record(
                action=Action.READ,
                request=self.request,
                actor=self.client,
                patient_id=patient_id,
                category=category,
                detail=f"FHIR {how} {resource_type}",
            )

    def audit_search(self, resource_type: str, found: int) -> None:
        audit_record(
            action=Action.SEARCH,
            request=self.request,
            actor=self.client,
            detail=f"FHIR search {resource_type}: {found} found",
        )

    def audit_refusal(self, detail: str, patient_id: UUID | None = None) -> None:
        audit_record(
            action=Action.READ,
            request=self.request,
            actor=self.client,
            patient_id=patient_id,
            outcome=Outcome.DENIED,
            detail=detail[:200],
        )
