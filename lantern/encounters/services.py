"""Visit writes. Steps that need consent check the patient's consent history first.

A refusal for lack of consent is audited after the transaction that tried the write has
rolled back, so the refusal stays on record while nothing of the write does.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lantern.audit.models import Action, Category, Outcome
from lantern.audit.services import audit_record
from lantern.encounters import consent_rules, photos
from lantern.encounters.choices import (
    ConsentGiver,
    ConsentStatus,
    DisclosureBasis,
    ExamStepStatus,
    Interpreter,
)
from lantern.encounters.models import (
    CarePreferences,
    ConsentRecord,
    Disclosure,
    Encounter,
    ExamStep,
    FollowUpAssessment,
    Injury,
    InjuryPhoto,
)

if TYPE_CHECKING:
    from lantern.accounts.models import Clinic, User
    from lantern.patients.models import Patient

T = TypeVar("T")


class VisitError(Exception):
    """A visit write that cannot be done; the message is safe to show to staff."""


class ConsentRequired(VisitError):
    """A step needs a current consent the patient has not given."""

    def __init__(self, decisions: Sequence[consent_rules.Decision]) -> None:
        self.decisions = [d for d in decisions if not d.allowed]
        super().__init__(
            _("This needs the patient's current consent: %(scopes)s.")
            % {"scopes": ", ".join(f"{d.scope} ({d.state})" for d in self.decisions)}
        )


class RecipientNotCovered(ConsentRequired):
    """The patient consented to sharing with someone else, not with this recipient."""

    def __init__(
        self, decisions: Sequence[consent_rules.Decision], recipient: str, covered: list[str]
    ) -> None:
        super().__init__(decisions)
        self.recipient, self.covered = recipient, covered


def consent_facts(patient: Patient) -> list[consent_rules.ConsentFact]:
    return [record.as_fact() for record in ConsentRecord.objects.filter(patient=patient)]


def consent_decisions(
    patient: Patient, encounter: Encounter | None, scopes: Iterable[str], recipient: str = ""
) -> list[consent_rules.Decision]:
    facts, now = consent_facts(patient), timezone.now()
    encounter_id = encounter.pk if encounter else None
    return [
        consent_rules.decide(facts, scope, now, encounter_id=encounter_id, recipient=recipient)
        for scope in scopes
    ]


def _lock_patient(patient: Patient) -> None:
    """Hold the patient's row until the transaction ends: consent writes and guarded writes
    for one patient take their turns."""
    type(patient).objects.select_for_update().filter(pk=patient.pk).exists()


def _guarded(actor: User, patient: Patient, what: str, write: Callable[[], T]) -> T:
    """Run ``write`` in a transaction holding the patient's row, so a withdrawal recorded at
    the same moment waits for it or wins; audit any refusal after the rollback."""
    try:
        with transaction.atomic():
            _lock_patient(patient)
            return write()
    except ConsentRequired as refusal:
        states = ", ".join(f"{d.scope}={d.state}" for d in refusal.decisions)
        _audit_refusal(actor, patient, f"{what} refused without consent: {states}")
        raise
    except (VisitError, photos.PhotoError) as refusal:
        _audit_refusal(actor, patient, f"{what} refused: {type(refusal).__name__}")
        raise


def _audit_refusal(actor: User, patient: Patient, detail: str) -> None:
    audit_record(
        action=Action.CREATE,
        actor=actor,
        patient_id=patient.pk,
        category=Category.CONSENT,
        outcome=Outcome.DENIED,
        detail=detail,
    )


def _require_named(patient: Patient, scope: str, recipient: str) -> None:
    """Sharing with a named recipient the consent does not cover: say whom it covers."""
    (decision,) = consent_decisions(patient, None, [scope], recipient)
    if decision.allowed or decision.state != ConsentStatus.MISSING:
        return
    covered = consent_rules.covered_recipients(consent_facts(patient), scope, timezone.now())
    if covered:
        raise RecipientNotCovered([decision], recipient.strip(), covered)


def _require(
    patient: Patient, encounter: Encounter | None, scopes: Iterable[str], recipient: str = ""
) -> list[int]:
    decisions = consent_decisions(patient, encounter, scopes, recipient)
    if not all(decision.allowed for decision in decisions):
        raise ConsentRequired(decisions)
    return [decision.record_id for decision in decisions if decision.record_id is not None]


def _interpreter_reason(patient: Patient, interpreter: str, reason: str) -> str:
    """The reason kept for seeing, without an interpreter, a patient who needs one."""
    if interpreter != Interpreter.NOT_NEEDED or not patient.interpreter_needed:
        return ""
    if not reason.strip():
        raise VisitError(
            _("This patient needs a professional interpreter. Use one, or say why there is none.")
        )
    return reason.strip()


@transaction.atomic
def encounter_start(
    *,
    actor: User,
    patient: Patient,
    clinic: Clinic,
    kind: str,
    companion: str,
    companion_relationship: str = "",
    interpreter: str,
    interpreter_reason: str = "",
    staff_present: Iterable[User] = (),
) -> Encounter:
    encounter = Encounter.objects.create(
        patient=patient,
        clinic=clinic,
        kind=kind,
        companion=companion,
        companion_relationship=companion_relationship,
        interpreter=interpreter,
        interpreter_reason=_interpreter_reason(patient, interpreter, interpreter_reason),
        created_by=actor,
    )
    encounter.staff_present.set([actor, *staff_present])
    audit_record(
        action=Action.CREATE,
        actor=actor,
        patient_id=patient.pk,
        obj=encounter,
        category=Category.EXAM,
        detail=f"visit started ({kind})",
    )
    return encounter


@transaction.atomic
def encounter_update(*, actor: User, encounter: Encounter, **values: Any) -> Encounter:
    staff = values.pop("staff_present", None)
    if "interpreter" in values:
        values["interpreter_reason"] = _interpreter_reason(
            encounter.patient, values["interpreter"], values.get("interpreter_reason", "")
        )
    for name, value in values.items():
        setattr(encounter, name, value)
    encounter.save()
    if staff is not None:
        encounter.staff_present.set(list(staff))
    audit_record(
        action=Action.UPDATE,
        actor=actor,
        patient_id=encounter.patient_id,
        obj=encounter,
        category=Category.EXAM,
    )
    return encounter


@transaction.atomic
def encounter_end(*, actor: User, encounter: Encounter) -> Encounter:
    if encounter.is_open:
        encounter.ended_at = timezone.now()
        encounter.save(update_fields=["ended_at"])
        audit_record(
            action=Action.UPDATE,
            actor=actor,
            patient_id=encounter.patient_id,
            obj=encounter,
            category=Category.EXAM,
            detail="visit ended",
        )
    return encounter


@transaction.atomic
def care_preferences_update(*, actor: User, patient: Patient, **values: Any) -> CarePreferences:
    preferences, _created = CarePreferences.objects.get_or_create(patient=patient)
    for name, value in values.items():
        setattr(preferences, name, value)
    preferences.updated_by = actor
    preferences.save()
    audit_record(
        action=Action.UPDATE,
        actor=actor,
        patient_id=patient.pk,
        obj=preferences,
        category=Category.SENSITIVE,
        detail="care preferences updated",
    )
    return preferences


@transaction.atomic
def consent_record(
    *,
    actor: User,
    patient: Patient,
    encounter: Encounter | None,
    scope: str,
    status: str,
    method: str,
    given_by: str = "patient",
    interpreter_used: bool = False,
    recipient: str = "",
    expires_at: datetime.datetime | None = None,
    note: str = "",
) -> ConsentRecord:
    """Add a decision to the patient's consent history; earlier records are kept as they are."""
    info = consent_rules.SCOPES[scope]
    if given_by == ConsentGiver.GUARDIAN and patient.is_minor() is False:
        raise VisitError(_("An adult patient decides for themselves; a guardian cannot consent."))
    if encounter is not None and not encounter.is_open and status != ConsentStatus.WITHDRAWN:
        # A withdrawal is always taken; a new decision belongs to a visit still going on.
        raise VisitError(_("This visit has ended: record the patient's decision in a new visit."))
    _lock_patient(patient)
    if info.per_visit and encounter is None:
        raise VisitError(_("This consent belongs to a visit."))
    if info.named_recipient and not recipient.strip():
        raise VisitError(_("Name the organisation or person the patient agreed to share with."))
    if expires_at is not None and expires_at <= timezone.now():
        raise VisitError(_("An expiry date must be in the future."))
    record = ConsentRecord.objects.create(
        patient=patient,
        encounter=encounter,
        scope=scope,
        status=status,
        method=method,
        given_by=given_by,
        interpreter_used=interpreter_used,
        recipient=recipient.strip(),
        expires_at=expires_at,
        note=note,
        recorded_by=actor,
    )
    audit_record(
        action=Action.CREATE,
        actor=actor,
        patient_id=patient.pk,
        obj=record,
        category=Category.CONSENT,
        detail=f"{scope}: {status} ({given_by})",
    )
    return record


def consent_withdraw(
    *, actor: User, record: ConsentRecord, method: str = "verbal"
) -> ConsentRecord:
    """The patient changed their mind: a new record, effective at once."""
    return consent_record(
        actor=actor,
        patient=record.patient,
        encounter=record.encounter,
        scope=record.scope,
        status=ConsentStatus.WITHDRAWN,
        method=method,
        given_by=record.given_by,
        recipient=record.recipient,
    )


def exam_step_record(
    *,
    actor: User,
    encounter: Encounter,
    step: str,
    status: str,
    told_can_stop: bool,
    normal_findings_told: bool = False,
    note: str = "",
) -> ExamStep:
    """Record what happened in a part of the exam; "done" needs every consent it depends on."""

    def write() -> ExamStep:
        _require_open(encounter)
        record_ids: list[int] = []
        scopes = consent_rules.EXAM_STEPS[step]
        if status == ExamStepStatus.DONE:
            record_ids = _require(encounter.patient, encounter, scopes)
        elif status == ExamStepStatus.STOPPED:
            _require_started_with_consent(encounter, scopes)
        entry = ExamStep.objects.create(
            encounter=encounter,
            step=step,
            status=status,
            told_can_stop=told_can_stop,
            normal_findings_told=normal_findings_told,
            note=note,
            recorded_by=actor,
        )
        entry.consents.set(record_ids)
        audit_record(
            action=Action.CREATE,
            actor=actor,
            patient_id=encounter.patient_id,
            obj=entry,
            category=Category.EXAM,
            detail=f"{step}: {status}",
        )
        return entry

    return _guarded(actor, encounter.patient, f"exam step {step}", write)


def _require_started_with_consent(encounter: Encounter, scopes: Iterable[str]) -> None:
    """A step the patient stopped had begun, so it must have had consent when it began."""
    facts = consent_facts(encounter.patient)
    missing = [
        s for s in scopes if not consent_rules.ever_given(facts, s, encounter_id=encounter.pk)
    ]
    if missing:
        raise ConsentRequired(consent_decisions(encounter.patient, encounter, missing))


def _check_mandate(patient: Patient, kind: str, legal_basis: str, adult_duty: bool) -> None:
    if kind not in consent_rules.MANDATE_KINDS:
        raise VisitError(
            _("Only reports to protective services or law enforcement can be mandated.")
        )
    if not legal_basis.strip():
        raise VisitError(_("Name the law or duty that requires this report."))
    if patient.is_minor() is False and not adult_duty:
        raise VisitError(
            _(
                "This patient is an adult: report without their consent only if the law "
                "requires it for adults, and say so."
            )
        )


def _require_open(encounter: Encounter) -> None:
    if not encounter.is_open:
        raise VisitError(_("This visit has ended."))


def injury_record(*, actor: User, encounter: Encounter, **values: Any) -> Injury:
    """Document an injury; examining it needs the consents its place on the body calls for."""

    def write() -> Injury:
        _require_open(encounter)
        scopes = consent_rules.injury_scopes(values["region"], values["kind"])
        _require(encounter.patient, encounter, scopes)
        injury = Injury.objects.create(encounter=encounter, recorded_by=actor, **values)
        audit_record(
            action=Action.CREATE,
            actor=actor,
            patient_id=encounter.patient_id,
            obj=injury,
            category=Category.EXAM,
            detail=f"injury: {injury.kind} on {injury.region}",
        )
        return injury

    return _guarded(actor, encounter.patient, "injury", write)


def photo_store(*, actor: User, injury: Injury, data: bytes) -> InjuryPhoto:
    """Keep a photograph of an injury: only with photo consent, without metadata, sealed."""
    encounter = injury.encounter

    def write() -> InjuryPhoto:
        _require_open(encounter)
        (record_id,) = _require(encounter.patient, encounter, ["photographs"])
        cleaned = photos.clean_photo(data)
        photo = InjuryPhoto.objects.create(
            injury=injury,
            image=cleaned.image,
            thumbnail=cleaned.thumbnail,
            content_type=cleaned.content_type,
            width=cleaned.width,
            height=cleaned.height,
            consent_id=record_id,
            uploaded_by=actor,
        )
        audit_record(
            action=Action.CREATE,
            actor=actor,
            patient_id=encounter.patient_id,
            obj=photo,
            category=Category.PHOTO,
            detail=f"photo of injury {injury.pk}",
        )
        return photo

    return _guarded(actor, encounter.patient, "photograph", write)


def photo_view(*, actor: User, photo: InjuryPhoto, thumbnail: bool = False) -> bytes:
    """The photograph's bytes, for a staff member who just re-authenticated. Audited."""
    audit_record(
        action=Action.READ,
        actor=actor,
        patient_id=photo.injury.encounter.patient_id,
        obj=photo,
        category=Category.PHOTO,
        detail="thumbnail viewed" if thumbnail else "photo viewed",
    )
    return bytes(photo.thumbnail if thumbnail else photo.image)


def disclosure_create(
    *,
    actor: User,
    patient: Patient,
    encounter: Encounter | None,
    kind: str,
    recipient: str,
    basis: str,
    shared: str,
    legal_basis: str = "",
    reference: str = "",
    adult_duty: bool = False,
) -> Disclosure:
    """Share information outside the care team: with current consent, or under a legal duty.

    A legal duty covers only reports to protective services or law enforcement; for a
    patient who is not a minor it also needs the reporter's statement that the law requires
    the report for an adult, since competent adults otherwise decide themselves.
    """
    scope = consent_rules.DISCLOSURE_SCOPES[kind]

    def write() -> Disclosure:
        consent_id = None
        if basis == DisclosureBasis.CONSENT:
            named = consent_rules.SCOPES[scope].named_recipient
            if named:
                _require_named(patient, scope, recipient)
            (consent_id,) = _require(patient, encounter, [scope], recipient if named else "")
        else:
            _check_mandate(patient, kind, legal_basis, adult_duty)
        disclosure = Disclosure.objects.create(
            patient=patient,
            encounter=encounter,
            kind=kind,
            recipient=recipient.strip(),
            basis=basis,
            consent_id=consent_id,
            legal_basis=legal_basis,
            shared=shared,
            reference=reference,
            disclosed_by=actor,
        )
        audit_record(
            action=Action.DISCLOSE,
            actor=actor,
            patient_id=patient.pk,
            obj=disclosure,
            category=Category.SENSITIVE,
            detail=f"{kind} ({basis}{', adult duty' if adult_duty else ''})",
        )
        return disclosure

    return _guarded(actor, patient, f"disclosure to {kind}", write)


@transaction.atomic
def follow_up_assessment_record(
    *, actor: User, encounter: Encounter, **values: Any
) -> FollowUpAssessment:
    """Record (or correct) what the visit found and gave that decides the follow-up.

    The assessment is dated now: a care plan made from it counts from this moment.
    """
    values = {**values, "assessed_at": timezone.now(), "recorded_by": actor}
    assessment, created = FollowUpAssessment.objects.update_or_create(
        encounter=encounter, defaults=values
    )
    audit_record(
        action=Action.CREATE if created else Action.UPDATE,
        actor=actor,
        patient_id=encounter.patient_id,
        obj=assessment,
        category=Category.SENSITIVE,
        detail="follow-up assessment",
    )
    return assessment
