"""The patient's side of the tablet, and the staff hand-over before and after it."""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation

from lantern.accounts.access import AuthenticatedHttpRequest, refused_as_not_found
from lantern.accounts.reauth import step_up
from lantern.core.http import require_safe, require_safe_or_POST
from lantern.patients.access import care_staff_required, patient_for
from lantern.screening import instruments, services
from lantern.screening.forms import ASK_LANGUAGES
from lantern.screening.kiosk import KIOSK_LANGUAGE, KIOSK_SESSION
from lantern.screening.models import Mode, ScreeningSession, Status
from lantern.screening.views.questionnaire import questionnaire_step, template_for
from lantern.screening.views.staff import session_for, session_shown


@care_staff_required
@require_safe_or_POST
def handover(request: AuthenticatedHttpRequest, patient_id: UUID, session_id: int) -> HttpResponse:
    """Staff confirm they are handing the tablet over; the kiosk lock starts."""
    patient = patient_for(request, patient_id, write=True).patient
    session = session_for(request, patient, session_id)
    if (
        session.mode != Mode.KIOSK
        or session.status != Status.IN_PROGRESS
        or session.results_released
    ):
        raise refused_as_not_found(request, "no self-screening to hand over", patient.pk)
    if session.awaits_privacy:
        return redirect("screening:privacy", patient_id=patient.pk, session_id=session.pk)
    if request.method == "POST":
        request.session[KIOSK_SESSION] = services.kiosk_handover(
            actor=request.user, session=session
        )
        return redirect("screening:kiosk")
    session_shown(request, session)
    return render(request, "screening/handover.html", {"patient": patient, "session": session})


def _kiosk_session(request: AuthenticatedHttpRequest) -> ScreeningSession | None:
    token = request.session.get(KIOSK_SESSION)
    if not token:
        return None
    return ScreeningSession.objects.filter(kiosk_token=token, mode=Mode.KIOSK).first()


def _render(
    request: AuthenticatedHttpRequest,
    template: str,
    session: ScreeningSession | None,
    **context: object,
) -> HttpResponse:
    language = (session.language if session else None) or translation.get_language() or "en"
    with translation.override(language):
        return render(
            request, template, {"session": session, "kiosk_language": language, **context}
        )


@login_required
@require_safe
def kiosk(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The tablet's home: language choice, then the next questionnaire, then hand back."""
    session = _kiosk_session(request)
    if session is None or session.kiosk_exited_at:
        return _render(request, "screening/kiosk/neutral.html", session)
    if not request.session.get(KIOSK_LANGUAGE):
        return _render(request, "screening/kiosk/language.html", session, languages=ASK_LANGUAGES)
    if todo := session.unanswered():
        return redirect("screening:kiosk_questions", instrument_id=todo[0])
    return redirect("screening:kiosk_done")


@login_required
@require_safe_or_POST
def kiosk_language(request: AuthenticatedHttpRequest) -> HttpResponse:
    session = _kiosk_session(request)
    if request.method != "POST":  # the address reloaded, or its language changed
        return redirect("screening:kiosk")
    language = request.POST.get("language", "")
    if session is not None and language in dict(ASK_LANGUAGES):
        services.screening_language_set(session=session, language=language)
        request.session[KIOSK_LANGUAGE] = language
    return redirect("screening:kiosk")


@login_required
@require_safe_or_POST
def kiosk_questions(request: AuthenticatedHttpRequest, instrument_id: str) -> HttpResponse:
    session = _kiosk_session(request)
    answered = session is not None and session.results.filter(instrument_id=instrument_id).exists()
    if (
        session is None
        or session.kiosk_exited_at
        or instrument_id not in session.instrument_ids
        or answered  # saved answers are never reopened on the tablet
    ):
        return redirect("screening:kiosk")
    instrument = instruments.get_instrument(instrument_id)
    with translation.override(session.language):
        step = questionnaire_step(request, session, instrument, actor=None, for_staff=False)
    if step.saved:
        return redirect("screening:kiosk")
    return _render(
        request,
        template_for(request, "screening/kiosk/questions.html"),
        session,
        instrument=instrument,
        form=step.form,
        language=session.language,
        number=session.instrument_ids.index(instrument_id) + 1,
        count=len(session.instrument_ids),
    )


@login_required
@require_safe
def kiosk_done(request: AuthenticatedHttpRequest) -> HttpResponse:
    session = _kiosk_session(request)
    if session is None or session.kiosk_exited_at:
        return _render(request, "screening/kiosk/neutral.html", session)
    return _render(request, "screening/kiosk/done.html", session)


@login_required
@require_safe
def kiosk_exit(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Quick exit: the screen turns neutral at once and stays so until staff return."""
    session = _kiosk_session(request)
    if session is not None and not session.kiosk_exited_at:
        services.kiosk_exit(session=session)
    return redirect("screening:kiosk")


@login_required
@require_safe_or_POST
def kiosk_unlock(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Staff take the tablet back: password and code, then the results open."""
    session = _kiosk_session(request)
    confirmed, form = step_up(request)
    if not confirmed:
        return render(request, "screening/kiosk/unlock.html", {"form": form, "session": session})
    request.session.pop(KIOSK_SESSION, None)
    request.session.pop(KIOSK_LANGUAGE, None)
    if session is None:
        return redirect("home")
    services.kiosk_release(actor=request.user, session=session)
    return redirect(reverse("screening:session", args=[session.patient_id, session.pk]))
