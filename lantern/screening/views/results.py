"""A screening's results with decision support; acknowledging flags; deciding on codes."""

from __future__ import annotations

import dataclasses
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from lantern.accounts.access import AuthenticatedHttpRequest, refused_as_not_found
from lantern.accounts.chart_access import Section
from lantern.accounts.reauth import ask_to_reauthenticate, safe_next
from lantern.core.http import require_safe, require_safe_or_POST
from lantern.patients.access import care_staff_required, chart_for, patient_for
from lantern.patients.models import Patient
from lantern.screening import decision_support, instruments, services
from lantern.screening.forms import AcknowledgeForm, CodeDecisionForm
from lantern.screening.models import ScreeningResult, ScreeningSession
from lantern.screening.views.staff import session_for, session_shown
from lantern.screening.views.urgent import acknowledge_prefix, urgent_flags


def _result_for(
    request: AuthenticatedHttpRequest, patient: Patient, result_id: int
) -> ScreeningResult:
    """A result staff may see: of this patient, and not on a tablet still with the patient."""
    result = ScreeningResult.objects.released().filter(pk=result_id, patient=patient).first()
    if result is None:
        raise refused_as_not_found(request, "screening result not open to staff", patient.pk)
    return result


def _code_choices(advice: decision_support.Advice) -> list[tuple[str, str]]:
    language = get_language() or "en"
    return [
        (option.code, f"{option.code} \u2013 {instruments.text_in(option.title, language)}")
        for option in advice.codes
    ]


def _phase_choices(advice: decision_support.Advice) -> list[tuple[str, str]]:
    if not advice.needs_seventh_character:
        return []
    language = get_language() or "en"
    return [
        (phase, instruments.text_in(entry["label"], language))
        for phase, entry in decision_support.encounter_phases().items()
    ]


def code_form_for(advice: decision_support.Advice, data: Any = None) -> CodeDecisionForm:
    return CodeDecisionForm(data, codes=_code_choices(advice), phases=_phase_choices(advice))


def advice_for(
    session: ScreeningSession, results: list[ScreeningResult]
) -> decision_support.Advice:
    """Advice as of the day of the screening (a 17-year-old then is a minor in its advice)."""
    summaries = [{**result.summary, "category": result.category} for result in results]
    screened_on = timezone.localdate(session.started_at)
    return decision_support.advise(summaries, session.patient.age(screened_on))


@care_staff_required
@require_safe
def session_results(
    request: AuthenticatedHttpRequest, patient_id: UUID, session_id: int
) -> HttpResponse:
    patient = patient_for(request, patient_id).patient
    session = session_for(request, patient, session_id)
    if not session.results_released:
        # Answers stay closed until staff take the tablet back and re-authenticate.
        needs_attention = session.results.filter(awaiting_acknowledgement=True).exists()
        session_shown(request, session)
        return render(
            request,
            "screening/waiting.html",
            {"patient": patient, "session": session, "needs_attention": needs_attention},
        )
    return _render_session(request, patient, session)


@care_staff_required
@require_safe_or_POST
def release(
    request: AuthenticatedHttpRequest, patient_id: UUID, session_id: int
) -> HttpResponseBase:
    """Take over a tablet session from a workstation (the tablet timed out or was left)."""
    patient = patient_for(request, patient_id, write=True).patient
    session = session_for(request, patient, session_id)
    if request.method != "POST":  # the address reloaded, or its language changed
        return redirect("screening:session", patient_id=patient.pk, session_id=session.pk)
    if (confirm := ask_to_reauthenticate(request)) is not None:
        return confirm
    if not session.results_released:
        services.kiosk_release(actor=request.user, session=session)
    return redirect("screening:session", patient_id=patient.pk, session_id=session.pk)


def _render_session(
    request: AuthenticatedHttpRequest,
    patient: Patient,
    session: ScreeningSession,
    code_form: CodeDecisionForm | None = None,
    acknowledge_form: AcknowledgeForm | None = None,
    acknowledge_next: str = "",
) -> HttpResponse:
    if not session.results_released:
        raise refused_as_not_found(request, "results of a tablet not handed back", patient.pk)
    session_shown(request, session)
    results = list(session.results.prefetch_related("acknowledgements__acknowledged_by"))
    advice = advice_for(session, results)
    shows_codes = Section.DIAGNOSIS_CODES in chart_for(request, patient)
    if not shows_codes:
        advice = dataclasses.replace(advice, codes=())
    if code_form is None and advice.codes:
        code_form = code_form_for(advice)
    return render(
        request,
        "screening/session.html",
        {
            "patient": patient,
            "session": session,
            "results": results,
            "advice": advice,
            "urgent": urgent_flags(results, acknowledge_form),
            "acknowledge_next": acknowledge_next,
            "concern_result": next((r for r in results if r.category == "trafficking"), None),
            "code_form": code_form,
            "decisions": (
                patient.diagnosis_codes.filter(result__session=session) if shows_codes else []
            ),
            "instruments": {i: instruments.get_instrument(i) for i in session.instrument_ids},
        },
    )


@care_staff_required
@require_safe_or_POST
def acknowledge(
    request: AuthenticatedHttpRequest, patient_id: UUID, result_id: int
) -> HttpResponse:
    """A clinician says what they did about an urgent flag; back to the page they were on
    (the next questionnaire of the screening, or its results)."""
    # The flag travels in the body: its name says something clinical, URLs reach logs.
    flag = request.POST.get("flag", "")[:40]
    patient = patient_for(request, patient_id, write=True).patient
    result = _result_for(request, patient, result_id)
    if request.method != "POST":  # the address reloaded, or its language changed
        return redirect("screening:session", patient_id=patient.pk, session_id=result.session_id)
    back = request.POST.get("next", "")
    form = AcknowledgeForm(request.POST, prefix=acknowledge_prefix(result.pk, flag))
    if not form.is_valid():
        return _render_session(
            request, patient, result.session, acknowledge_form=form, acknowledge_next=back
        )
    try:
        services.flag_acknowledge(
            actor=request.user,
            result=result,
            flag=flag,
            action_taken=form.cleaned_data["action_taken"],
        )
    except services.ScreeningError as error:
        form.add_error(None, str(error))
        return _render_session(
            request, patient, result.session, acknowledge_form=form, acknowledge_next=back
        )
    messages.success(request, _("Acknowledged."))
    if back:
        return redirect(safe_next(request, back))
    return redirect("screening:session", patient_id=patient.pk, session_id=result.session_id)


@care_staff_required
@require_safe_or_POST
def decide_code(
    request: AuthenticatedHttpRequest, patient_id: UUID, result_id: int
) -> HttpResponse:
    patient = patient_for(request, patient_id, write=True, section=Section.DIAGNOSIS_CODES).patient
    result = _result_for(request, patient, result_id)
    if request.method != "POST":  # the address reloaded, or its language changed
        return redirect("screening:session", patient_id=patient.pk, session_id=result.session_id)
    advice = advice_for(result.session, list(result.session.results.all()))
    form = code_form_for(advice, request.POST)
    if not form.is_valid():
        return _render_session(request, patient, result.session, code_form=form)
    services.code_decide(actor=request.user, patient=patient, result=result, **form.cleaned_data)
    messages.success(request, _("Decision recorded."))
    return redirect("screening:session", patient_id=patient.pk, session_id=result.session_id)
