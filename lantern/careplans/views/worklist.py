"""Worklists per clinic, care team and person: due today, overdue, windows closing in 24 h."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from lantern.accounts.access import AuthenticatedHttpRequest, role_required
from lantern.accounts.models import CARE_ROLES, Role
from lantern.audit.models import Action, AuditEvent
from lantern.audit.services import audit_append_many, source_address
from lantern.careplans import worklists
from lantern.careplans.services import AUDIT_CATEGORY
from lantern.careplans.windows import urgent_text
from lantern.core.http import require_safe


def _audit_shown(request: AuthenticatedHttpRequest, shown: list[worklists.Section]) -> None:
    """One read entry per patient the page shows (one insert for all of them)."""
    patients = sorted({a.plan.patient_id for section in shown for a in section.activities}, key=str)
    detail = "worklist" + (" (no names)" if worklists.sees_health_system(request.user) else "")
    audit_append_many(
        AuditEvent(
            actor=request.user,
            actor_label=request.user.get_username(),
            patient_id=patient_id,
            action=Action.READ,
            category=AUDIT_CATEGORY,
            source_address=source_address(request),
            detail=detail,
        )
        for patient_id in patients
    )


@role_required(*CARE_ROLES, Role.PROGRAM_MANAGER)
@require_safe
def worklist(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    manager = worklists.sees_health_system(user)
    clinics = worklists.clinics_for(user)
    scope = request.GET.get("scope", "clinic" if manager else "mine")
    if scope not in worklists.SCOPES or (manager and scope != "clinic"):
        scope = "clinic" if manager else "mine"
    chosen = {str(clinic.pk): clinic for clinic in clinics}.get(request.GET.get("clinic", ""))
    shown = worklists.sections(user, scope, chosen)
    now = timezone.now()
    for section in shown:
        for activity in section.activities:
            if activity.urgent and (activity.latest is not None or activity.exposure_unknown):
                activity.countdown = urgent_text(activity, now)  # type: ignore[attr-defined]
    _audit_shown(request, shown)
    return render(
        request,
        "careplans/worklist.html",
        {
            "sections": shown,
            "scope": scope,
            "clinics": clinics,
            "clinic": chosen,
            "manager": manager,
            "limit": worklists.LIMIT,
        },
    )
