"""The one path by which patient-scoped views reach a patient.

A patient the user may not open answers 404 (never "forbidden", which would confirm the
record exists) and leaves a denied entry in the audit trail.
"""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest

from lantern.accounts.access import refused_as_not_found, role_required, staff_user
from lantern.accounts.models import CARE_ROLES, Role
from lantern.audit.models import Action, Category
from lantern.audit.services import audit_record
from lantern.patients.models import Patient

# Clinicians, advocates and counselors: the roles that care for patients.
care_staff_required = role_required(*CARE_ROLES)


def patient_for(
    request: HttpRequest,
    patient_id: UUID,
    *,
    read: Category | None = None,
    on_team: bool = False,
) -> Patient:
    """The patient, if ``request.user`` may open them; otherwise 404 and an audit entry.

    With ``read`` set, the successful access is audited as a read of that category. With
    ``on_team``, only care-team members get through: emergency access lets someone read a
    record, never change it or its care team.
    """
    user = request.user
    patient = Patient.objects.visible_to(user).filter(pk=patient_id).first()  # type: ignore[arg-type]
    if patient is None:
        raise refused_as_not_found(
            request, "not on the care team or not at the patient's clinic", patient_id
        )
    is_member = patient.is_cared_for_by(user)  # type: ignore[arg-type]
    if on_team and not is_member:
        raise refused_as_not_found(request, "emergency access is read-only", patient_id)
    if read is not None:
        audit_record(
            action=Action.READ,
            request=request,
            patient_id=patient.pk,
            obj=patient,
            category=read,
            detail="" if is_member else "emergency access",
        )
    return patient


def patient_for_review(request: HttpRequest, patient_id: UUID) -> Patient:
    """The patient, if ``request.user`` is a privacy officer at one of their clinics.

    Anyone else gets 404 (never "forbidden", which would confirm the record exists) and a
    denied entry. A successful look is audited as a read of the patient's audit trail.
    """
    user = staff_user(request)
    patient = None
    if user.is_active and user.role == Role.PRIVACY_OFFICER:
        patient = Patient.objects.in_clinics_of(user).filter(pk=patient_id).first()
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
