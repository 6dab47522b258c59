"""Care preferences: how, by whom, where and when the patient wants to be cared for."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from lantern.accounts.access import AuthenticatedHttpRequest
from lantern.audit.models import Category
from lantern.core.http import require_safe_or_POST
from lantern.encounters import services
from lantern.encounters.forms import CarePreferencesForm
from lantern.encounters.models import CarePreferences, Encounter
from lantern.patients.access import care_staff_required, patient_for

FIELDS = tuple(CarePreferencesForm.base_fields)


@care_staff_required
@require_safe_or_POST
def care_preferences_edit(request: AuthenticatedHttpRequest, patient_id: UUID) -> HttpResponse:
    patient = patient_for(request, patient_id, read=Category.SENSITIVE, write=True).patient
    # Opened from a visit, the page goes back to that visit (only one of this patient's).
    visit_id = request.GET.get("visit", "")
    visit = (
        Encounter.objects.filter(patient=patient, pk=visit_id).first()
        if visit_id.isdigit()
        else None
    )
    preferences = CarePreferences.objects.filter(patient=patient).first()
    initial = {name: getattr(preferences, name) for name in FIELDS} if preferences else {}
    form = CarePreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.care_preferences_update(actor=request.user, patient=patient, **form.cleaned_data)
        messages.success(request, _("Care preferences saved."))
        if visit is not None:
            return redirect("encounters:visit", patient_id=patient.pk, visit_id=visit.pk)
        return redirect("encounters:visits", patient_id=patient.pk)
    return render(
        request,
        "encounters/care_preferences.html",
        {"patient": patient, "form": form, "visit": visit},
    )
