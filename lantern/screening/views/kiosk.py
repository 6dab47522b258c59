"""The patient's side of the tablet, and the staff hand-over before and after it."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any, cast
from urllib.parse import urlencode
from uuid import UUID

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation

from lantern.accounts.access import AuthenticatedHttpRequest, refused_as_not_found
from lantern.accounts.middleware import SIGNED_IN_AT
from lantern.accounts.reauth import recently_reauthenticated, step_up
from lantern.core.http import require_safe, require_safe_or_POST
from lantern.patients.access import care_staff_required, patient_for
from lantern.screening import instruments, services
from lantern.screening.forms import ASK_LANGUAGES, posted_answers
from lantern.screening.kiosk import KIOSK_LANGUAGE, KIOSK_SESSION
from lantern.screening.models import Mode, ScreeningSession, Status
from lantern.screening.views.questionnaire import questionnaire_step, template_for
from lantern.screening.views.staff import session_for, session_shown, training_gate_refusal

# The tablet's page goes to the neutral screen a little after the server's idle time-out,
# so the server has certainly timed the session out when it asks.
IDLE_MARGIN_SECONDS = 5


def tablet_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Signed-in staff, or a tablet whose staff session timed out while the patient had it
    (it keeps its token, and shows only neutral pages until staff sign in again)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated or request.session.get(KIOSK_SESSION):
            return view(request, *args, **kwargs)
        return redirect_to_login(request.get_full_path())

    return wrapper


def _staff_on_tablet(request: HttpRequest) -> bool:
    """Staff are signed in on the tablet (the patient may still be the one holding it)."""
    return bool(request.user.is_authenticated)


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
    if (refusal := training_gate_refusal(request, patient)) is not None:
        return refusal
    if request.method == "POST":
        request.session[KIOSK_SESSION] = services.kiosk_handover(
            actor=request.user, session=session
        )
        return redirect("screening:kiosk")
    session_shown(request, session)
    return render(request, "screening/handover.html", {"patient": patient, "session": session})


def _kiosk_session(request: HttpRequest) -> ScreeningSession | None:
    token = request.session.get(KIOSK_SESSION)
    if not token:
        return None
    return (
        ScreeningSession.objects.filter(kiosk_token=token, mode=Mode.KIOSK)
        .select_related("patient")
        .first()
    )


def _language(request: HttpRequest, session: ScreeningSession | None) -> str:
    """The patient's language on the tablet: as chosen there, else the screening's."""
    chosen = request.session.get(KIOSK_LANGUAGE)
    return str(chosen or (session.language if session else None) or "en")


def _render(
    request: HttpRequest, template: str, session: ScreeningSession | None, **context: object
) -> HttpResponse:
    language = _language(request, session)
    with translation.override(language):
        return render(
            request, template, {"session": session, "kiosk_language": language, **context}
        )


def _render_active(
    request: HttpRequest, template: str, session: ScreeningSession, **context: object
) -> HttpResponse:
    """A page the patient works on: after the idle time-out it turns to the neutral page."""
    idle = int(settings.LANTERN_IDLE_TIMEOUT.total_seconds()) + IDLE_MARGIN_SECONDS
    return _render(request, template, session, idle_seconds=idle, **context)


def _locked(session: ScreeningSession | None) -> bool:
    return session is not None and session.kiosk_idle_at is not None


@tablet_required
@require_safe
def kiosk(request: HttpRequest) -> HttpResponse:
    """The tablet's home: language choice, then the next questionnaire, then hand back."""
    session = _kiosk_session(request)
    staff = _staff_on_tablet(request)
    if staff and session is not None and _locked(session):
        return _resume_page(request, session)  # signed in again on a tablet left idle
    if session is None or session.kiosk_exited_at:
        return _render(request, "screening/kiosk/neutral.html", session)
    if not staff:  # the staff session timed out while the patient had the tablet
        return _render(request, "screening/kiosk/idle.html", session, sign_in=_sign_in_url())
    if not request.session.get(KIOSK_LANGUAGE):
        # The language the screening was started in (the patient's, as a rule) comes first.
        languages = sorted(ASK_LANGUAGES, key=lambda choice: choice[0] != session.language)
        return _render_active(
            request, "screening/kiosk/language.html", session, languages=languages
        )
    if todo := session.unanswered():
        return redirect("screening:kiosk_questions", instrument_id=todo[0])
    return redirect("screening:kiosk_done")


def _sign_in_url() -> str:
    return reverse("accounts:login") + "?" + urlencode({"next": reverse("screening:kiosk")})


def _resume_page(request: HttpRequest, session: ScreeningSession) -> HttpResponse:
    """Staff signed in again on a tablet left idle: give it back, or take it back (only
    take it back after a quick exit)."""
    return render(
        request,
        "screening/kiosk/resume.html",
        {
            "session": session,
            "on_team": session.patient.is_cared_for_by(
                cast(AuthenticatedHttpRequest, request).user
            ),
            "can_resume": not session.kiosk_exited_at,
            "kiosk_language": translation.get_language(),
        },
    )


@tablet_required
@require_safe_or_POST
def kiosk_language(request: HttpRequest) -> HttpResponse:
    session = _kiosk_session(request)
    if request.method != "POST":  # the address reloaded, or its language changed
        return redirect("screening:kiosk")
    language = request.POST.get("language", "")
    if (
        _staff_on_tablet(request)
        and session is not None
        and not _locked(session)
        and language in dict(ASK_LANGUAGES)
    ):
        services.screening_language_set(session=session, language=language)
        request.session[KIOSK_LANGUAGE] = language
    return redirect("screening:kiosk")


@tablet_required
@require_safe_or_POST
def kiosk_questions(request: HttpRequest, instrument_id: str) -> HttpResponse:
    session = _kiosk_session(request)
    answered = session is not None and session.results.filter(instrument_id=instrument_id).exists()
    if (
        session is None
        or not _staff_on_tablet(request)
        or _locked(session)
        or session.kiosk_exited_at
        or instrument_id not in session.instrument_ids
        or answered  # saved answers are never reopened on the tablet
    ):
        return redirect("screening:kiosk")
    instrument = instruments.get_instrument(instrument_id)
    draft = session.kiosk_draft.get(instrument_id, {})
    with translation.override(session.language):
        step = questionnaire_step(
            request, session, instrument, actor=None, for_staff=False, draft=draft
        )
    if step.saved:
        return redirect("screening:kiosk")
    if request.method == "POST":  # every change of answer is kept until the patient saves
        services.kiosk_draft_keep(
            session=session,
            instrument_id=instrument_id,
            answers=posted_answers(instrument, request.POST),
        )
    return _render_active(
        request,
        template_for(request, "screening/kiosk/questions.html"),
        session,
        instrument=instrument,
        form=step.form,
        language=session.language,
        number=session.instrument_ids.index(instrument_id) + 1,
        count=len(session.instrument_ids),
    )


@tablet_required
@require_safe
def kiosk_done(request: HttpRequest) -> HttpResponse:
    session = _kiosk_session(request)
    if session is None or session.kiosk_exited_at:
        return _render(request, "screening/kiosk/neutral.html", session)
    if not _staff_on_tablet(request) or _locked(session):
        return redirect("screening:kiosk")
    return _render_active(request, "screening/kiosk/done.html", session)


@tablet_required
@require_safe
def kiosk_exit(request: HttpRequest) -> HttpResponse:
    """Quick exit: the screen turns neutral at once and stays so until staff return."""
    session = _kiosk_session(request)
    if session is not None and not session.kiosk_exited_at:
        services.kiosk_exit(session=session)
    return redirect("screening:kiosk")


@tablet_required
@require_safe_or_POST
def kiosk_unlock(request: HttpRequest) -> HttpResponse:
    """Staff take the tablet back: password and code, then the results open."""
    if not _staff_on_tablet(request):  # the staff session timed out: sign in again first
        return redirect(_sign_in_url())
    staff_request = cast(AuthenticatedHttpRequest, request)
    session = _kiosk_session(request)
    confirmed, form = step_up(staff_request)
    if not confirmed:
        return render(request, "screening/kiosk/unlock.html", {"form": form, "session": session})
    if _locked(session):  # confirmed again on a tablet left idle: give it back or take it
        return redirect("screening:kiosk")
    return _release(staff_request, session)


def _release(request: AuthenticatedHttpRequest, session: ScreeningSession | None) -> HttpResponse:
    request.session.pop(KIOSK_SESSION, None)
    request.session.pop(KIOSK_LANGUAGE, None)
    if session is None:
        return redirect("home")
    services.kiosk_release(actor=request.user, session=session)
    return redirect(reverse("screening:session", args=[session.patient_id, session.pk]))


def _signed_in_just_now(request: HttpRequest) -> bool:
    """Signed in (both factors) or re-confirmed within the step-up window."""
    signed_in_at = request.session.get(SIGNED_IN_AT)
    window = settings.LANTERN_REAUTH_WINDOW.total_seconds()
    fresh = signed_in_at is not None and time.time() - signed_in_at <= window
    return fresh or recently_reauthenticated(request)


@tablet_required
@require_safe_or_POST
def kiosk_resume(request: HttpRequest) -> HttpResponse:
    """After signing in again on a tablet left idle: back to the patient, or back to staff."""
    session = _kiosk_session(request)
    if (
        request.method != "POST"
        or not _staff_on_tablet(request)
        or session is None
        or not _locked(session)
    ):
        return redirect("screening:kiosk")
    staff_request = cast(AuthenticatedHttpRequest, request)
    if not session.patient.is_cared_for_by(staff_request.user):
        raise refused_as_not_found(request, "tablet of a patient not cared for", session.patient_id)
    if not _signed_in_just_now(request):
        return redirect("screening:kiosk_unlock")
    if request.POST.get("to") == "patient" and not session.kiosk_exited_at:
        # Giving the tablet back is handing it over again: the clinic's training rule holds.
        if (refusal := training_gate_refusal(staff_request, session.patient)) is not None:
            return refusal
        services.kiosk_resume(actor=staff_request.user, session=session)
        return redirect("screening:kiosk")
    return _release(staff_request, session)
