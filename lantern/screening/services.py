"""Screening writes: sessions, the private-screening gate, results, acknowledgements, codes.

Every function runs in one transaction and leaves an audit entry. Answers to trafficking
and violence questions are audited as sensitive (SDV) information.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lantern.audit.models import Action, Category
from lantern.audit.services import audit_record
from lantern.screening import decision_support, instruments
from lantern.screening.models import (
    ClinicThreshold,
    CodeDecision,
    DiagnosisCode,
    FlagAcknowledgement,
    Interpretation,
    Mode,
    PrivacyMethod,
    ScreeningResult,
    ScreeningSession,
    Status,
)

if TYPE_CHECKING:
    from lantern.accounts.models import Clinic, User
    from lantern.patients.models import Patient


class ScreeningError(Exception):
    """A screening step that cannot be done; the message is safe to show to staff."""


def category_for_audit(instrument: instruments.Instrument) -> Category:
    return Category.SENSITIVE if instrument.sensitive else Category.MENTAL_HEALTH


def _check_instruments(instrument_ids: Sequence[str], mode: str) -> list[str]:
    chosen = list(dict.fromkeys(instrument_ids))
    if not chosen:
        raise ScreeningError(_("Choose at least one questionnaire."))
    for instrument_id in chosen:
        try:
            instrument = instruments.get_instrument(instrument_id)
        except KeyError:
            raise ScreeningError(_("Unknown questionnaire.")) from None
        if mode == Mode.KIOSK and "self" not in instrument.administration:
            raise ScreeningError(
                _("%(name)s is asked by staff, not answered alone on a tablet.")
                % {"name": instrument.abbreviation}
            )
    return chosen


@transaction.atomic
def screening_start(
    *,
    actor: User,
    patient: Patient,
    instrument_ids: Sequence[str],
    language: str,
    mode: str = Mode.CLINICIAN,
    clinic: Clinic | None = None,
) -> ScreeningSession:
    """Start a screening at ``clinic`` (default: the first of the actor's clinics that is
    one of the patient's). A tablet session gets its token only when it is handed over."""
    if clinic is None:
        clinic = patient.clinics.filter(pk__in=actor.clinics.all()).order_by("name").first()
    session = ScreeningSession.objects.create(
        patient=patient,
        mode=mode,
        clinic=clinic,
        instrument_ids=_check_instruments(instrument_ids, mode),
        language=language,
        started_by=actor,
    )
    audit_record(
        action=Action.CREATE,
        actor=actor,
        patient_id=patient.pk,
        obj=session,
        category=Category.MENTAL_HEALTH,
        detail=f"screening started ({mode})",
    )
    return session


@transaction.atomic
def privacy_record(
    *,
    actor: User,
    session: ScreeningSession,
    method: str,
    interpretation: str,
    interpreter_reason: str = "",
) -> ScreeningSession:
    """Record how the patient was seen alone and how interpretation is done.

    A patient who needs an interpreter is screened with a professional one, or without one
    for a reason that is recorded and shown with the screening.
    """
    if interpretation == Interpretation.COMPANION:
        raise ScreeningError(
            _(
                "A companion cannot interpret for these questions: they may be the person "
                "controlling the patient. Use a professional interpreter or defer the screen."
            )
        )
    if method == PrivacyMethod.NOT_POSSIBLE:
        raise ScreeningError(
            _("The patient is not alone: defer these questions to a later contact.")
        )
    without = interpretation == Interpretation.NOT_NEEDED and session.patient.interpreter_needed
    if without and not interpreter_reason.strip():
        raise ScreeningError(
            _("This patient needs a professional interpreter. Use one, or say why there is none.")
        )
    session.privacy_method, session.interpretation = method, interpretation
    session.interpreter_reason = interpreter_reason.strip() if without else ""
    session.save(update_fields=["privacy_method", "interpretation", "interpreter_reason"])
    audit_record(
        action=Action.UPDATE,
        actor=actor,
        patient_id=session.patient_id,
        obj=session,
        category=Category.SENSITIVE,
        detail=f"private screening confirmed: {method}"
        + (", without the interpreter the patient needs" if without else ""),
    )
    return session


@transaction.atomic
def screening_defer(*, actor: User, session: ScreeningSession, note: str) -> ScreeningSession:
    """No private moment: leave the screen as a task for the next contact."""
    if session.status != Status.IN_PROGRESS:
        raise ScreeningError(_("Only a screening in progress can be deferred."))
    session.status, session.deferral_note = Status.DEFERRED, note
    session.privacy_method = PrivacyMethod.NOT_POSSIBLE
    session.save(update_fields=["status", "deferral_note", "privacy_method"])
    audit_record(
        action=Action.UPDATE,
        actor=actor,
        patient_id=session.patient_id,
        obj=session,
        category=Category.SENSITIVE,
        detail="screening deferred: no private moment",
    )
    return session


def threshold_for(session: ScreeningSession, instrument: instruments.Instrument) -> int | None:
    """The threshold the screening's clinic chose for this instrument, if it chose one that
    this version of the instrument still allows (otherwise the instrument's default)."""
    if session.clinic_id is None:
        return None
    chosen = (
        ClinicThreshold.objects.filter(clinic_id=session.clinic_id, instrument_id=instrument.id)
        .values_list("threshold", flat=True)
        .first()
    )
    return chosen if chosen in instrument.allowed_thresholds else None


@transaction.atomic
def result_record(
    *,
    actor: User | None,
    session: ScreeningSession,
    instrument_id: str,
    answers: Mapping[str, str],
    unfinished: bool = False,
) -> ScreeningResult:
    """Score and keep one instrument's answers; raises instruments.AnswerError when invalid.

    ``unfinished``: the answers a patient chose on a tablet taken back before they saved
    them, kept as an incomplete result (see ``instruments.score``).
    """
    if session.status != Status.IN_PROGRESS or instrument_id not in session.instrument_ids:
        raise ScreeningError(_("This screening is closed."))
    instrument = instruments.get_instrument(instrument_id)
    if instrument.sensitive and not session.privacy_confirmed:
        raise ScreeningError(_("Confirm the patient is alone before these questions."))
    scored = instruments.score(
        instrument, answers, threshold=threshold_for(session, instrument), unfinished=unfinished
    )
    if session.kiosk_draft.pop(instrument.id, None) is not None:
        session.save(update_fields=["kiosk_draft"])
    result, _created = ScreeningResult.objects.update_or_create(
        session=session,
        instrument_id=instrument.id,
        defaults={
            "patient_id": session.patient_id,
            "instrument_version": instrument.version,
            "category": instrument.category,
            "answers": dict(answers),  # sealed as JSON by EncryptedJSONField
            "total": scored.total,
            "band_code": scored.band.code if scored.band else "",
            "positive": scored.positive,
            "threshold": scored.threshold,
            "flags": [flag.code for flag in scored.flags],
            "summary": _summary(scored),
            "recorded_by": actor,
            "recorded_at": timezone.now(),
        },
    )
    _update_awaiting(result)
    audit_record(
        action=Action.CREATE,
        actor=actor,
        patient_id=session.patient_id,
        obj=result,
        category=category_for_audit(instrument),
        detail=f"{instrument.id} scored" + (" (unfinished)" if unfinished else ""),
    )
    if not unfinished:
        _complete_if_done(session)
    return result


def _summary(scored: instruments.ScoreResult) -> dict[str, Any]:
    """What the results page shows, kept in the clear: scores, bands and flags, never the
    answers themselves (those are sealed in ``ScreeningResult.answers``)."""
    summary = scored.as_dict()
    summary.pop("answers", None)
    return summary


def _update_awaiting(result: ScreeningResult) -> None:
    awaiting = bool(result.unacknowledged_flags())
    if result.awaiting_acknowledgement != awaiting:
        result.awaiting_acknowledgement = awaiting
        result.save(update_fields=["awaiting_acknowledgement"])


def _complete_if_done(session: ScreeningSession) -> None:
    if not session.unanswered():
        session.status, session.completed_at = Status.COMPLETED, timezone.now()
        session.save(update_fields=["status", "completed_at"])
        # A deferred screen is done once all of its questionnaires have been answered now.
        covered = set(session.instrument_ids)
        for pending in ScreeningSession.objects.deferred().filter(patient_id=session.patient_id):
            if pending.pk != session.pk and set(pending.instrument_ids) <= covered:
                pending.retried_by = session
                pending.save(update_fields=["retried_by"])


@transaction.atomic
def flag_acknowledge(
    *, actor: User, result: ScreeningResult, flag: str, action_taken: str
) -> FlagAcknowledgement:
    if flag not in result.flags:
        raise ScreeningError(_("This result has no such flag."))
    acknowledgement, _created = FlagAcknowledgement.objects.get_or_create(
        result=result,
        flag=flag,
        defaults={"acknowledged_by": actor, "action_taken": action_taken},
    )
    _update_awaiting(result)
    audit_record(
        action=Action.UPDATE,
        actor=actor,
        patient_id=result.patient_id,
        obj=acknowledgement,
        category=Category.MENTAL_HEALTH,
        detail=f"urgent flag acknowledged: {flag}",
    )
    return acknowledgement


@transaction.atomic
def code_decide(
    *,
    actor: User,
    patient: Patient,
    result: ScreeningResult | None,
    code: str,
    decision: str,
    discussed_with_patient: bool,
    phase: str = "",
    note: str = "",
) -> DiagnosisCode:
    """Record a clinician's decision on a suggested code: never without the patient's say.

    A T74/T76 code is recorded with the 7th character of the phase of care the clinician
    stated (``decision_support.with_seventh``).
    """
    if decision == CodeDecision.CONFIRMED and not discussed_with_patient:
        raise ScreeningError(_("Discuss the code with the patient before recording it."))
    if decision_support.takes_seventh(code):
        if phase in decision_support.encounter_phases():
            code = decision_support.with_seventh(code, phase)
        elif decision == CodeDecision.CONFIRMED:
            raise ScreeningError(
                _("Say whether active treatment continues: the 7th character depends on it.")
            )
    entry = DiagnosisCode.objects.create(
        patient=patient,
        result=result,
        code=code,
        decision=decision,
        discussed_with_patient=discussed_with_patient,
        note=note,
        decided_by=actor,
    )
    audit_record(
        action=Action.CREATE,
        actor=actor,
        patient_id=patient.pk,
        obj=entry,
        category=Category.SENSITIVE,
        detail=f"code {code} {decision}",
    )
    return entry


@transaction.atomic
def kiosk_handover(*, actor: User, session: ScreeningSession) -> str:
    """The tablet goes to the patient. A fresh token: only this browser holds a working one."""
    if (
        session.mode != Mode.KIOSK
        or session.status != Status.IN_PROGRESS
        or session.results_released
        or session.awaits_privacy
    ):
        raise ScreeningError(_("This screening cannot be handed to the patient on a tablet."))
    session.kiosk_token = ScreeningSession.new_kiosk_token()
    session.save(update_fields=["kiosk_token"])
    audit_record(
        action=Action.UPDATE,
        actor=actor,
        patient_id=session.patient_id,
        obj=session,
        detail="tablet handed to the patient",
    )
    return session.kiosk_token


@transaction.atomic
def screening_language_set(*, session: ScreeningSession, language: str) -> None:
    """The patient chose the language of the questions on the tablet."""
    session.language = language
    session.save(update_fields=["language"])
    audit_record(
        action=Action.UPDATE,
        actor=None,
        patient_id=session.patient_id,
        obj=session,
        detail=f"tablet language chosen: {language}",
    )


@transaction.atomic
def kiosk_exit(*, session: ScreeningSession) -> None:
    """The patient pressed quick exit: the tablet drops to a neutral screen until staff return.

    The tablet never goes back to the patient after a quick exit, so answers chosen but not
    saved become unfinished results now: an urgent answer (ASQ, PHQ-9 item 9) reaches staff
    at once as a banner, instead of waiting until someone takes the tablet back.
    """
    session.kiosk_exited_at = timezone.now()
    session.save(update_fields=["kiosk_exited_at"])
    audit_record(
        action=Action.UPDATE,
        actor=None,
        patient_id=session.patient_id,
        obj=session,
        detail="self-screening left by quick exit",
    )
    if session.status == Status.IN_PROGRESS:
        _record_unfinished(session)


@transaction.atomic
def kiosk_draft_keep(
    *, session: ScreeningSession, instrument_id: str, answers: Mapping[str, str]
) -> None:
    """Keep what the patient has chosen so far on a questionnaire, sealed, until they save
    it: an idle time-out or a hand-back then loses nothing."""
    if session.status != Status.IN_PROGRESS or instrument_id not in session.instrument_ids:
        return
    if session.kiosk_draft.get(instrument_id) == dict(answers):
        return
    session.kiosk_draft = {**session.kiosk_draft, instrument_id: dict(answers)}
    session.save(update_fields=["kiosk_draft"])
    audit_record(
        action=Action.UPDATE,
        actor=None,
        patient_id=session.patient_id,
        obj=session,
        category=category_for_audit(instruments.get_instrument(instrument_id)),
        detail=f"{instrument_id} answers kept until saved",
    )


@transaction.atomic
def kiosk_idle_lock(*, session: ScreeningSession, reason: str) -> None:
    """The tablet was left idle: it shows a neutral page until staff sign in again."""
    session.kiosk_idle_at = timezone.now()
    session.save(update_fields=["kiosk_idle_at"])
    audit_record(
        action=Action.UPDATE,
        actor=None,
        patient_id=session.patient_id,
        obj=session,
        detail=f"tablet locked: {reason}",
    )


@transaction.atomic
def kiosk_resume(*, actor: User, session: ScreeningSession) -> None:
    """Staff signed in again on an idle tablet and gave it back to the patient."""
    if session.status != Status.IN_PROGRESS or session.kiosk_token is None:
        raise ScreeningError(_("This screening cannot be handed to the patient on a tablet."))
    session.kiosk_idle_at = None
    session.save(update_fields=["kiosk_idle_at"])
    audit_record(
        action=Action.UPDATE,
        actor=actor,
        patient_id=session.patient_id,
        obj=session,
        detail="tablet handed back to the patient after an idle time-out",
    )


def _record_unfinished(session: ScreeningSession) -> None:
    """Answers chosen but never saved become incomplete results, so staff see them (and
    their flags) instead of losing them."""
    for instrument_id in session.unanswered():
        answers = session.kiosk_draft.get(instrument_id)
        if not answers:
            continue
        try:
            with transaction.atomic():
                result_record(
                    actor=None,
                    session=session,
                    instrument_id=instrument_id,
                    answers=answers,
                    unfinished=True,
                )
        except (instruments.AnswerError, ScreeningError):
            continue  # a draft the questions no longer accept: nothing to score


@transaction.atomic
def kiosk_release(*, actor: User, session: ScreeningSession) -> ScreeningSession:
    """Staff took the tablet back and re-authenticated: the kiosk token is spent, and any
    answers the patient chose without saving are kept as unfinished results."""
    if session.status == Status.IN_PROGRESS:
        _record_unfinished(session)
        session.refresh_from_db()
    session.kiosk_token = None
    session.kiosk_idle_at = None
    if session.status == Status.IN_PROGRESS:
        session.status = Status.STOPPED  # not every questionnaire was answered
    session.results_released_by, session.results_released_at = actor, timezone.now()
    session.save(
        update_fields=[
            "kiosk_token",
            "kiosk_idle_at",
            "status",
            "results_released_by",
            "results_released_at",
        ]
    )

    audit_record(
        action=Action.READ,
        actor=actor,
        patient_id=session.patient_id,
        obj=session,
        category=Category.MENTAL_HEALTH,
        detail="self-screening handed back to staff",
    )
    return session


@dataclass(frozen=True)
class ThresholdChoice:
    """One clinic's chosen positive threshold for one instrument."""

    clinic: Clinic
    instrument: instruments.Instrument
    threshold: int


@transaction.atomic
def thresholds_save(*, actor: User, choices: Iterable[ThresholdChoice]) -> int:
    """Save a clinical lead's choices all or nothing: one that is not allowed saves none."""
    saved = 0
    for choice in choices:
        threshold_set(
            actor=actor,
            clinic=choice.clinic,
            instrument=choice.instrument,
            threshold=choice.threshold,
        )
        saved += 1
    return saved


@transaction.atomic
def threshold_set(
    *, actor: User, clinic: Clinic, instrument: instruments.Instrument, threshold: int
) -> ClinicThreshold:
    """A clinic's clinical lead chooses among the thresholds the literature supports."""
    if threshold not in instrument.allowed_thresholds:
        raise ScreeningError(_("This threshold is not one the instrument allows."))
    entry, _created = ClinicThreshold.objects.update_or_create(
        clinic=clinic,
        instrument_id=instrument.id,
        defaults={"threshold": threshold, "changed_by": actor},
    )
    audit_record(
        action=Action.UPDATE,
        actor=actor,
        obj=entry,
        detail=f"{instrument.id} threshold {threshold} at clinic {clinic.pk}",
    )
    return entry
