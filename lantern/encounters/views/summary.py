"""The after-visit summary: the patient chooses what is printed; discreet by default.

Nothing is printed that the patient did not choose, and nothing is chosen in advance; the
page's title and look say nothing about the kind of care. It prints in the language the
patient reads, their preferred language unless they choose another.
"""

from __future__ import annotations

from uuid import UUID

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation

from lantern.accounts.access import AuthenticatedHttpRequest
from lantern.accounts.chart_access import Section
from lantern.audit.models import Action, Category
from lantern.audit.services import audit_record
from lantern.core.http import require_safe, require_safe_or_POST
from lantern.encounters.forms import SummaryForm
from lantern.encounters.views.page import visit_for
from lantern.patients.access import care_staff_required, patient_for

HOTLINE_CALL = "1-888-373-7888"
HOTLINE_TEXT = "233733"


@care_staff_required
@require_safe
def summary_choose(
    request: AuthenticatedHttpRequest, patient_id: UUID, visit_id: int
) -> HttpResponse:
    patient = patient_for(
        request, patient_id, read=Category.EXAM, write=True, section=Section.TAKE_HOME
    ).patient
    visit = visit_for(request, patient, visit_id)
    return render(
        request,
        "encounters/summary_choose.html",
        {
            "patient": patient,
            "visit": visit,
            "form": SummaryForm(patient_language=patient.preferred_language),
        },
    )


@care_staff_required
@require_safe_or_POST
def summary_print(
    request: AuthenticatedHttpRequest, patient_id: UUID, visit_id: int
) -> HttpResponse:
    """The printable page. Rendering it is what is audited as a print.

    The choices come in a POST body, so they never sit in an address, a history or a log.
    """
    patient = patient_for(request, patient_id, write=True, section=Section.TAKE_HOME).patient
    visit = visit_for(request, patient, visit_id)
    if request.method != "POST":  # the address reloaded, or its language changed
        return redirect("encounters:summary", patient_id=patient.pk, visit_id=visit.pk)
    form = SummaryForm(request.POST, patient_language=patient.preferred_language)
    printed, language = form.printed(), form.print_language()
    audit_record(
        action=Action.PRINT,
        actor=request.user,
        request=request,
        patient_id=patient.pk,
        obj=visit,
        category=Category.EXAM,
        detail=f"after-visit summary ({language}): " + (", ".join(printed) or "nothing chosen"),
    )
    with translation.override(language):
        return render(
            request,
            "encounters/summary_print.html",
            {
                "visit": visit,
                "chosen": set(printed),
                "hotline_call": HOTLINE_CALL,
                "hotline_text": HOTLINE_TEXT,
            },
        )
