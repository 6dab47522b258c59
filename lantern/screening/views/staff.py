"""Staff-led screening: choose questionnaires, confirm privacy, ask, see what to do next."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from lantern.accounts.access import AuthenticatedHttpRequest, refused_as_not_found
from lantern.audit.models import Category
from lantern.audit.services import audit_read_shown
from lantern.core.http import require_safe_or_POST
from lantern.patients.access import care_staff_required, patient_for
from lantern.patients.models import Patient
from lantern.screening import history, instruments, services
from lantern.screening.forms import DeferForm, PrivacyForm, StartForm
from lantern.screening.models import Mode, ScreeningSession, Status
from lantern.screening.views.questionnaire import questionnaire_step, template_for
from lantern.screening.views.urgent import urgent_flags
from lantern.training import status as training_status
from lantern.training.views import screening_gate_refusal


def training_gate_refusal(
    request: AuthenticatedHttpRequest, patient: Patient
) -> HttpResponse | None:
    """The clinic's training rule: None if the user may run screenings for this patient."""
    return screening_gate_refusal(request, patient.clinics.all())


def session_for(
    request: AuthenticatedHttpRequest, patient: Patient, session_id: int
) -> ScreeningSession:
    session = ScreeningSession.objects.filter(pk=session_id, patient=patient).first()
    if session is None:
        raise refused_as_not_found(request, "screening of another patient", patient.pk)
    return session


def session_shown(request: AuthenticatedHttpRequest, session: ScreeningSession) -> None:
    """The page answered shows this screening: audited as a read of it."""
    audit_read_shown(
        request=request,
        patient_id=session.patient_id,
        obj=session,
        category=Category.SENSITIVE if session.sensitive else Category.MENTAL_HEALTH,
    )


@care_staff_required
@require_safe_or_POST
def overview(request: AuthenticatedHttpRequest, patient_id: UUID) -> HttpResponse:
    """The patient's screening page: pending screens, history, and starting a new one."""
    # Emergency access may read results; starting a screening takes a care-team member.
    patient = patient_for(
        request, patient_id, read=Category.MENTAL_HEALTH, write=request.method == "POST"
    ).patient
    gate = training_status.screening_gate(request.user, patient.clinics.all())
    if request.method == "POST" and (refusal := training_gate_refusal(request, patient)):
        return refusal
    form = StartForm(
        request.POST or None,
        language=request.LANGUAGE_CODE,
        patient_language=patient.preferred_language,
    )
    if request.method == "POST" and form.is_valid():
        kiosk = request.POST.get("mode") == Mode.KIOSK
        try:
            session = services.screening_start(
                actor=request.user,
                patient=patient,
                language=form.cleaned_data["language"],
                instrument_ids=form.cleaned_data["instrument_ids"],
                mode=Mode.KIOSK if kiosk else Mode.CLINICIAN,
            )
        except services.ScreeningError as error:
            form.add_error("instrument_ids", str(error))
        else:
            return redirect(next_step(session))
    return render(
        request,
        "screening/overview.html",
        {
            "patient": patient,
            "form": form,
            "deferred": patient.screening_sessions.deferred(),
            "rows": history.rows(patient),
            "charts": history.charts(patient, request.LANGUAGE_CODE),
            "gate": gate,
            "language": request.LANGUAGE_CODE[:2],
        },
    )


def next_step(session: ScreeningSession) -> str:
    """Where a session goes next: the privacy gate, the next unanswered questionnaire, results."""
    patient_id = session.patient_id
    if session.awaits_privacy:
        return reverse("screening:privacy", args=[patient_id, session.pk])
    if session.status == Status.IN_PROGRESS:
        if session.mode == Mode.KIOSK:
            return reverse("screening:kiosk_handover", args=[patient_id, session.pk])
        if todo := session.unanswered():
            return reverse("screening:ask", args=[patient_id, session.pk, todo[0]])
    return reverse("screening:session", args=[patient_id, session.pk])


@care_staff_required
@require_safe_or_POST
def privacy(request: AuthenticatedHttpRequest, patient_id: UUID, session_id: int) -> HttpResponse:
    """Before trafficking or violence questions: is the patient alone, and who interprets?"""
    patient = patient_for(request, patient_id, write=True).patient
    session = session_for(request, patient, session_id)
    if (refusal := training_gate_refusal(request, patient)) is not None:
        return refusal
    form = PrivacyForm(request.POST or None, interpreter_needed=patient.interpreter_needed)
    defer_form = DeferForm(prefix="defer")
    if request.method == "POST" and form.is_valid():
        try:
            services.privacy_record(actor=request.user, session=session, **form.cleaned_data)
        except services.ScreeningError as error:
            form.add_error(None, str(error))
        else:
            return redirect(next_step(session))
    return _privacy_page(request, patient, session, form, defer_form)


def _privacy_page(
    request: AuthenticatedHttpRequest,
    patient: Patient,
    session: ScreeningSession,
    form: PrivacyForm,
    defer_form: DeferForm,
) -> HttpResponse:
    session_shown(request, session)
    context = {"patient": patient, "session": session, "form": form, "defer_form": defer_form}
    return render(request, "screening/privacy.html", context)


@care_staff_required
@require_safe_or_POST
def defer(request: AuthenticatedHttpRequest, patient_id: UUID, session_id: int) -> HttpResponse:
    patient = patient_for(request, patient_id, write=True).patient
    session = session_for(request, patient, session_id)
    if request.method != "POST":  # the address reloaded, or its language changed
        return redirect("screening:privacy", patient_id=patient.pk, session_id=session.pk)
    if session.status != Status.IN_PROGRESS:
        messages.info(request, _("This screening is no longer open, so it cannot be deferred."))
        return redirect(next_step(session))
    defer_form = DeferForm(request.POST, prefix="defer")
    if not defer_form.is_valid():
        privacy_form = PrivacyForm(interpreter_needed=patient.interpreter_needed)
        return _privacy_page(request, patient, session, privacy_form, defer_form)
    services.screening_defer(
        actor=request.user, session=session, note=defer_form.cleaned_data["note"]
    )
    messages.info(request, _("Screening deferred. It is listed for the next contact."))
    return redirect("screening:overview", patient_id=patient.pk)


@care_staff_required
@require_safe_or_POST
def ask(
    request: AuthenticatedHttpRequest, patient_id: UUID, session_id: int, instrument_id: str
) -> HttpResponse:
    """One questionnaire, asked by staff in the chosen language."""
    patient = patient_for(request, patient_id, write=True).patient
    session = session_for(request, patient, session_id)
    if instrument_id not in session.instrument_ids or session.mode != Mode.CLINICIAN:
        raise refused_as_not_found(request, "questionnaire not in this screening", patient.pk)
    if (refusal := training_gate_refusal(request, patient)) is not None:
        return refusal
    if session.status != Status.IN_PROGRESS or session.awaits_privacy:
        return redirect(next_step(session))
    instrument = instruments.get_instrument(instrument_id)
    step = questionnaire_step(request, session, instrument, actor=request.user, for_staff=True)
    if step.saved:
        return redirect(next_step(session))
    form, template = step.form, template_for(request, "screening/ask.html")
    session_shown(request, session)
    # An urgent answer earlier in this screening shows at once, above the next questions.
    earlier = list(session.results.prefetch_related("acknowledgements__acknowledged_by"))
    return render(
        request,
        template,
        {
            "patient": patient,
            "session": session,
            "instrument": instrument,
            "form": form,
            "language": session.language,
            "urgent": urgent_flags(earlier, waiting_only=True),
            "acknowledge_next": request.path,
        },
    )
