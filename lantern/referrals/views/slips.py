"""The discreet slip a patient may take away: in their language, naming no diagnosis, and
naming the service only if the patient agreed."""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation

from lantern.accounts.access import AuthenticatedHttpRequest
from lantern.audit.models import Action, Category
from lantern.audit.services import audit_read_shown, audit_record
from lantern.core.http import require_safe, require_safe_or_POST
from lantern.patients.access import care_staff_required, patient_for
from lantern.referrals import summaries
from lantern.referrals.referral_forms import SlipForm
from lantern.referrals.views.referrals import referral_for


def slip_language(preferred: str) -> str:
    """The patient's language when Lantern speaks it, else the clinic's."""
    spoken = {code for code, _name in settings.LANGUAGES}
    return preferred if preferred in spoken else settings.LANGUAGE_CODE


@care_staff_required
@require_safe
def referral_slip(
    request: AuthenticatedHttpRequest, patient_id: UUID, referral_id: UUID
) -> HttpResponse:
    patient = patient_for(request, patient_id, write=True).patient
    referral = referral_for(request, patient, referral_id)
    audit_read_shown(
        request=request, patient_id=patient.pk, obj=referral, category=Category.SENSITIVE
    )
    context = {"patient": patient, "referral": referral, "form": SlipForm()}
    return render(request, "referrals/slip_choose.html", context)


@care_staff_required
@require_safe_or_POST
def referral_slip_print(
    request: AuthenticatedHttpRequest, patient_id: UUID, referral_id: UUID
) -> HttpResponse:
    """The printable slip; rendering it is audited as a print. Choices come in a POST body."""
    patient = patient_for(request, patient_id, write=True).patient
    referral = referral_for(request, patient, referral_id)
    if request.method != "POST":  # the address reloaded, or its language changed
        return redirect("referrals:slip", patient_id=patient.pk, referral_id=referral.pk)
    form = SlipForm(request.POST)
    named = form.is_valid() and form.cleaned_data["name_service"]
    language = slip_language(patient.preferred_language)
    audit_record(
        action=Action.PRINT,
        request=request,
        patient_id=patient.pk,
        obj=referral,
        category=Category.SENSITIVE,
        detail=f"referral slip ({language}), service {'named' if named else 'not named'}",
    )
    with translation.override(language):
        summary = summaries.summarise([referral.service])[0] if named else None
        return render(
            request,
            "referrals/slip_print.html",
            {"referral": referral, "named": named, "summary": summary, "language": language},
        )
