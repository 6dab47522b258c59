"""Who may review the audit trail: privacy officers, and for one patient only those at one
of the patient's clinics. Every refusal leaves a denied entry in the trail itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from django.http.response import HttpResponseBase

from lantern.accounts.access import refused_as_not_found, role_required, staff_user
from lantern.accounts.models import Role
from lantern.audit.models import Action, Category
from lantern.audit.services import audit_record
from lantern.patients.models import Patient

View = Callable[..., HttpResponseBase]


def is_privacy_officer(user: Any) -> bool:
    return bool(getattr(user, "is_active", False)) and getattr(user, "role", None) == (
        Role.PRIVACY_OFFICER
    )


# Privacy officers only; refusals are recorded under the audit trail's own category.
privacy_officer_required = role_required(Role.PRIVACY_OFFICER, category=Category.AUDIT)


def patient_for_review(request: HttpRequest, patient_id: UUID) -> Patient:
    """The patient, if ``request.user`` is a privacy officer at one of their clinics.

    Anyone else gets 404 (never "forbidden", which would confirm the record exists) and a
    denied entry. A successful look is audited as a read of the patient's audit trail.
    """
    patient = None
    if is_privacy_officer(request.user):
        scope = Patient.objects.in_clinics_of(staff_user(request))
        patient = scope.filter(pk=patient_id).first()
    if patient is None:
        raise refused_as_not_found(
            request,
            "not a privacy officer at the patient's clinic",
            patient_id,
            category=Category.AUDIT,
        )
    audit_record(
        action=Action.READ,
        request=request,
        patient_id=patient.pk,
        obj=patient,
        category=Category.AUDIT,
    )
    return patient
