"""The after-visit summary: the patient chooses what is printed; discreet by default.

Nothing is printed that the patient did not choose, and nothing is chosen in advance; the
page's title and look say nothing about the kind of care. It prints in the language the
patient reads, their preferred language unless they choose another.
"""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_GET, require_POST

from lantern.accounts.access import staff_user
from lantern.audit.models import Action, Category
from lantern.audit.services import audit_record
from lantern.encounters.forms import SummaryForm
from lantern.encounters.views.page import visit_for
from lantern.patients.access import care_staff_required, patient_for

HOTLINE_CALL = "1-888-373-7888"
HOTLINE_TEXT = "233733"


@care_staff_required
@require_GET
def summary_choose(request: HttpRequest, patient_id: UUID, visit_id: int) -> HttpResponse:
    patient = patient_for(request, patient_id, read=Category.EXAM, on_team=True)
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
@require_POST
def summary_print(request: HttpRequest, patient_id: UUID, visit_id: int) -> HttpResponse:
    """The printable page. Rendering it is what is audited as a print.

    The choices come in a POST body, so they never sit in an address, a history or a log.
    """
    patient = patient_for(request, patient_id, on_team=True)
    visit = visit_for(request, patient, visit_id)
    form = SummaryForm(request.POST, patient_language=patient.preferred_language)
    if not form.is_valid():  # no language chosen: ask again, keeping what was ticked
        return render(
            request,
            "encounters/summary_choose.html",
            {"patient": patient, "visit": visit, "form": form},
        )
    printed, language = form.printed(), form.cleaned_data["language"]
    audit_record(
        action=Action.PRINT,
        actor=staff_user(request),
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
