"""The one path by which patient-scoped views reach a patient.

A patient the user may not open answers 404 (never "forbidden", which would confirm the
record exists) and leaves a denied entry in the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from lantern.accounts.models import CareTeamMember
from lantern.audit.models import Action, Category, Outcome
from lantern.audit.services import audit_record
from lantern.patients.models import Patient

View = Callable[..., HttpResponseBase]


def care_staff_required(view: View) -> View:
    """Signed-in staff whose role cares for patients; anyone else is refused and audited."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not getattr(request.user, "cares_for_patients", False):
            audit_record(
                action=Action.READ,
                request=request,
                outcome=Outcome.DENIED,
                patient_id=kwargs.get("patient_id"),
                detail=f"role may not open {request.path_info[:150]}",
            )
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def patient_for(request: HttpRequest, patient_id: UUID, *, read: Category | None = None) -> Patient:
    """The patient, if ``request.user`` may open them; otherwise 404 and an audit entry.

    With ``read`` set, the successful access is audited as a read of that category.
    """
    patient = Patient.objects.visible_to(request.user).filter(pk=patient_id).first()  # type: ignore[arg-type]
    if patient is None:
        audit_record(
            action=Action.READ,
            request=request,
            patient_id=patient_id,
            outcome=Outcome.DENIED,
            detail="not on the care team or not at the patient's clinic",
        )
        raise Http404
    if read is not None:
        on_team = CareTeamMember.objects.filter(patient=patient, user=request.user.pk).exists()
        audit_record(
            action=Action.READ,
            request=request,
            patient_id=patient.pk,
            obj=patient,
            category=read,
            detail="" if on_team else "emergency access",
        )
    return patient
