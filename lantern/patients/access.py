"""The one path by which patient-scoped views reach a patient.

A patient the user may not open answers 404 (never "forbidden", which would confirm the
record exists) and leaves a denied entry in the audit trail.
"""

from __future__ import annotations

from typing import NamedTuple
from uuid import UUID

from lantern.accounts.access import AuthenticatedHttpRequest, refused_as_not_found, role_required
from lantern.accounts.chart_access import ChartSections, Section, chart_sections
from lantern.accounts.models import CARE_ROLES, Role
from lantern.audit.models import Action, Category
from lantern.audit.services import audit_read_shown, audit_record
from lantern.patients.models import Patient

# Clinicians, advocates and counselors: the roles that care for patients.
care_staff_required = role_required(*CARE_ROLES)


class PatientAccess(NamedTuple):
    """A patient the user may open, and whether they may also change the record."""

    patient: Patient
    can_write: bool


def patient_for(
    request: AuthenticatedHttpRequest,
    patient_id: UUID,
    *,
    read: Category | None = None,
    write: bool = False,
    section: Section | None = None,
) -> PatientAccess:
    """The patient and whether ``request.user`` may change the record; 404 and an audit entry
    if they may not open it at all.

    Only the care team may change a record: emergency access lets someone read it, never
    change it or its care team. With ``write``, anyone else is refused too. With ``read``
    set, the page the view answers with is audited as a read of that category (once, and
    only if it is shown: see ``audit_read_shown``).
    """
    user = request.user
    patient = Patient.objects.opened_by(user).filter(pk=patient_id).first()
    can_write = bool(getattr(patient, "cared_for", False))
    if patient is None or not (can_write or getattr(patient, "emergency_access", False)):
        raise refused_as_not_found(
            request, "not on the care team or not at the patient's clinic", patient_id
        )
    if write and not can_write:
        raise refused_as_not_found(request, "emergency access is read-only", patient_id)
    if section is not None and section not in chart_for(request, patient):
        raise refused_as_not_found(request, f"role does not see {section.value}", patient_id)
    if read is not None:
        audit_read_shown(
            request=request,
            patient_id=patient.pk,
            obj=patient,
            category=read,
            detail="" if can_write else "emergency access",
        )
    return PatientAccess(patient, can_write)


def chart_for(request: AuthenticatedHttpRequest, patient: Patient) -> ChartSections:
    """The parts of ``patient``'s chart ``request.user`` sees, worked out once per request."""
    cache: dict[object, ChartSections] = request.__dict__.setdefault("_chart_sections", {})
    if patient.pk not in cache:
        cache[patient.pk] = chart_sections(request.user, patient)
    return cache[patient.pk]


def patient_for_review(request: AuthenticatedHttpRequest, patient_id: UUID) -> Patient:
    """The patient, if ``request.user`` is a privacy officer at one of their clinics.

    Anyone else gets 404 (never "forbidden", which would confirm the record exists) and a
    denied entry. A successful look is audited as a read of the patient's audit trail.
    """
    user = request.user
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
