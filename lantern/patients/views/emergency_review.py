"""Privacy officers review every use of emergency access."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from lantern.accounts.access import AuthenticatedHttpRequest, refused_as_not_found, role_required
from lantern.accounts.models import EmergencyAccess, Role, User
from lantern.audit.models import Action, AuditEvent, Category
from lantern.audit.services import audit_reads_listed, audit_record
from lantern.core.http import require_safe, require_safe_or_POST
from lantern.patients import emergency
from lantern.patients.forms import EmergencyReviewForm


def reviewable_by(officer: User) -> QuerySet[EmergencyAccess]:
    """One item for each use of emergency access the officer reviews: each record opened of
    a patient at the officer's clinics (its search is reviewed with it), and each search by
    staff of the officer's organisation that opened no record at all."""
    opened_something = Exists(EmergencyAccess.objects.filter(search=OuterRef("pk")))
    return (
        EmergencyAccess.objects.filter(
            Q(patient__clinics__in=officer.clinics.all())
            | Q(
                ~Q(opened_something),
                patient__isnull=True,
                user__health_system=officer.health_system_id,
                user__health_system__isnull=False,
            )
        )
        .distinct()
        .select_related("user", "reviewed_by", "patient", "search")
    )


@role_required(Role.PRIVACY_OFFICER)
@require_safe
def emergency_reviews(request: AuthenticatedHttpRequest) -> HttpResponse:
    officer = request.user
    grants = list(reviewable_by(officer).order_by("review_status", "-created_at")[:200])
    # The list shows names: each patient's own history records that it was shown.
    audit_reads_listed(
        request=request,
        patient_ids=(g.patient_id for g in grants if g.patient_id),
        category=Category.IDENTITY,
        detail="named in the emergency access review list",
    )
    return render(request, "patients/emergency_reviews.html", {"grants": grants})


@role_required(Role.PRIVACY_OFFICER)
@require_safe_or_POST
def emergency_review(request: AuthenticatedHttpRequest, grant_id: int) -> HttpResponse:
    officer = request.user
    grant = reviewable_by(officer).filter(pk=grant_id).first()
    if grant is None:
        raise refused_as_not_found(request, "emergency access outside the officer's organisation")
    form = EmergencyReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            emergency.emergency_access_review(
                reviewer=officer,
                grant=grant,
                justified=form.cleaned_data["decision"] == "justified",
                note=form.cleaned_data["note"],
            )
        except emergency.EmergencyAccessError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Review saved."))
            return redirect("patients:emergency_reviews")
    audit_record(
        action=Action.READ,
        request=request,
        patient_id=grant.patient_id,
        obj=grant,
        category=Category.IDENTITY,
    )
    return render(
        request,
        "patients/emergency_review.html",
        {
            "grant": grant,
            "form": form,
            "trail": _trail(grant),
        },
    )


def _trail(grant: EmergencyAccess) -> QuerySet[AuditEvent]:
    """What the user did in this use: the search that led to it (without the other people it
    showed), then their entries for the patient while the record was open."""
    label = EmergencyAccess._meta.label_lower
    if grant.patient_id is None:
        return AuditEvent.objects.filter(
            actor=grant.user_id, object_type=label, object_id=str(grant.pk)
        ).order_by("at")
    until = min(grant.ended_at or grant.expires_at, grant.expires_at, timezone.now())
    searched = Q(object_type=label, object_id=str(grant.search_id)) & (
        Q(patient_id__isnull=True) | Q(patient_id=grant.patient_id)
    )
    while_open = Q(patient_id=grant.patient_id, at__gte=grant.created_at, at__lte=until)
    return AuditEvent.objects.filter(Q(actor=grant.user_id) & (searched | while_open)).order_by(
        "at"
    )[:500]
