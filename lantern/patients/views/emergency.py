"""Break-the-glass pages: state a reason, search the health system, open one record."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from lantern.accounts.access import AuthenticatedHttpRequest, refused_as_not_found
from lantern.accounts.models import EmergencyAccess
from lantern.accounts.reauth import reauthentication_required
from lantern.audit.models import Action, Category
from lantern.audit.services import audit_reads_listed, audit_record
from lantern.core.http import require_safe_or_POST
from lantern.patients import emergency, search
from lantern.patients.access import care_staff_required
from lantern.patients.forms import EmergencySearchForm, SearchForm
from lantern.patients.matching import parse_query
from lantern.patients.models import Patient


@care_staff_required
@require_safe_or_POST
@reauthentication_required
def emergency_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Ask why; then search beyond the user's care teams."""
    user = request.user
    form = EmergencySearchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            grant = emergency.emergency_search_start(actor=user, reason=form.cleaned_data["reason"])
        except emergency.EmergencyAccessError as error:
            form.add_error("reason", str(error))
        else:
            return _results(request, grant, form.cleaned_data["q"])
    return render(request, "patients/emergency_start.html", {"form": form})


def _results(request: AuthenticatedHttpRequest, grant: EmergencyAccess, query: str) -> HttpResponse:
    user = request.user
    scope = Patient.objects.in_health_system_of(user).exclude(
        pk__in=Patient.objects.visible_to(user).values("pk")
    )
    matches = search.find(scope, parse_query(query), limit=10)
    audit_record(
        action=Action.BREAK_GLASS,
        request=request,
        obj=grant,
        detail=f"emergency search, {len(matches)} results",
    )
    # Each person whose name the search showed is told of in their own record's history.
    audit_reads_listed(
        request=request,
        patient_ids=(match.patient.pk for match in matches),
        action=Action.BREAK_GLASS,
        obj=grant,
        category=Category.IDENTITY,
        detail="shown in an emergency search",
    )
    return render(
        request,
        "patients/emergency_results.html",
        {
            "grant": grant,
            "matches": matches,
            "query": query,
            "form": SearchForm(initial={"q": query}),
        },
    )


def _own_search(request: AuthenticatedHttpRequest, grant_id: int) -> EmergencyAccess:
    grant = EmergencyAccess.objects.filter(pk=grant_id).first()
    if grant is None or not emergency.usable_for_search(grant, request.user):
        raise refused_as_not_found(request, "emergency search not the user's, or ended")
    return grant


@care_staff_required
@require_safe_or_POST
def emergency_search(request: AuthenticatedHttpRequest, grant_id: int) -> HttpResponse:
    """Search again within the same emergency request, while its window is open."""
    grant = _own_search(request, grant_id)
    if request.method != "POST":  # the address reloaded, or its language changed
        return redirect("patients:emergency")  # the words searched for are never kept
    form = SearchForm(request.POST)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    return _results(request, grant, query)


@care_staff_required
@require_safe_or_POST
def emergency_open(
    request: AuthenticatedHttpRequest, grant_id: int, patient_id: UUID
) -> HttpResponse:
    user = request.user
    grant = _own_search(request, grant_id)
    if request.method != "POST":  # the address reloaded, or its language changed
        return redirect("patients:emergency")  # opening a record takes the button
    patient = Patient.objects.in_health_system_of(user).filter(pk=patient_id).first()
    if patient is None:
        raise refused_as_not_found(
            request, "emergency access outside the health system", patient_id
        )
    try:
        emergency.emergency_access_open(actor=user, grant=grant, patient=patient)
    except emergency.EmergencyAccessError as error:
        messages.error(request, str(error))
        return redirect("patients:emergency")
    return redirect("patients:detail", patient_id=patient.pk)


@care_staff_required
@require_safe_or_POST
def emergency_end(request: AuthenticatedHttpRequest, grant_id: int) -> HttpResponse:
    user = request.user
    grant = EmergencyAccess.objects.filter(pk=grant_id, user=user).first()
    if grant is None:
        raise refused_as_not_found(request, "emergency access not the user's")
    if request.method != "POST":  # the address reloaded, or its language changed
        return redirect("patients:search")
    emergency.emergency_access_end(actor=user, grant=grant)
    messages.success(request, _("Emergency access ended."))
    return redirect("patients:search")
