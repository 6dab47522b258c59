"""Writes to the patient registry. Each runs in one transaction and leaves an audit entry."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lantern.accounts.models import CareTeamMember, Clinic
from lantern.audit.models import Action, Category, Outcome
from lantern.audit.services import audit_record
from lantern.patients.choices import AliasKind, ContactChannelKind, IdentifierSystem
from lantern.patients.models import (
    ContactChannel,
    ContactPlan,
    ExternalIdentifier,
    Patient,
    PatientAlias,
    PatientSearchToken,
)
from lantern.patients.search import (
    Match,
    identifier_token,
    likely_duplicates,
    name_tokens,
    patient_names,
)

if TYPE_CHECKING:
    from lantern.accounts.models import User


class RegistryError(Exception):
    """A registry write that cannot be done; the message is safe to show to staff."""


@dataclass(frozen=True)
class PatientDetails:
    """Identity and demographics as entered on the registration or edit form."""

    preferred_name: str
    legal_name: str
    birth_date_kind: str
    birth_date: datetime.date | None
    estimated_age: int | None
    sex_at_birth: str
    gender_identity: str
    gender_identity_detail: str
    pronouns: str
    preferred_language: str
    interpreter_needed: bool

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> PatientDetails:
        return cls(**{f.name: data[f.name] for f in fields(cls)})


AGE_FIELDS = frozenset({"birth_date_kind", "birth_date", "estimated_age"})


def _apply_details(patient: Patient, details: PatientDetails) -> None:
    for name, value in vars(details).items():
        if name not in AGE_FIELDS:
            setattr(patient, name, value)
    patient.set_age(
        details.birth_date_kind, details.birth_date, details.estimated_age, timezone.localdate()
    )


def search_index_refresh(patient: Patient) -> None:
    """Replace the patient's name tokens with ones computed from their current names."""
    tokens = name_tokens(patient_names(patient))
    PatientSearchToken.objects.filter(patient=patient).delete()
    PatientSearchToken.objects.bulk_create(
        PatientSearchToken(patient=patient, token=token) for token in tokens
    )


def registration_duplicates(
    *, actor: User, names: Sequence[str], birth_date: datetime.date | None
) -> tuple[list[Match], int]:
    """Likely duplicates at the actor's clinics: those they may open, and a count of the rest.

    The count tells a registrant that a record exists which they cannot see; each such
    record's history shows that its existence was disclosed, and to whom.
    """
    found = likely_duplicates(Patient.objects.in_clinics_of(actor), names, birth_date)
    visible = set(
        Patient.objects.visible_to(actor)
        .filter(pk__in=[match.patient.pk for match in found])
        .values_list("pk", flat=True)
    )
    for match in found:
        if match.patient.pk not in visible:
            audit_record(
                action=Action.SEARCH,
                actor=actor,
                patient_id=match.patient.pk,
                category=Category.IDENTITY,
                detail="counted as a possible duplicate for a registrant outside the care team",
            )
    shown = [match for match in found if match.patient.pk in visible]
    return shown, len(found) - len(shown)


@dataclass(frozen=True)
class Registration:
    """What a registration came to: the new patient, or what the registrant must settle first."""

    patient: Patient | None = None
    duplicates: list[Match] = field(default_factory=list)
    hidden_duplicates: int = 0
    number_refused: str = ""  # why the record number cannot be used, in words for staff


@transaction.atomic
def registration_submit(
    *,
    actor: User,
    clinic: Clinic,
    details: PatientDetails,
    aliases: Sequence[tuple[str, str]] = (),
    mrn: str = "",
    not_a_duplicate: bool = False,
) -> Registration:
    """Register a patient unless something must be settled first, in this order.

    1. Likely duplicates at the registrant's clinics, unless the registrant has ruled them
       out: those they may open are shown, the others counted.
    2. A record number someone at ``clinic`` already holds refuses the registration, and is
       said so even when duplicates are also shown.
    3. Otherwise, with no duplicate left to rule out, the patient is registered.
    """
    duplicates: list[Match] = []
    hidden = 0
    if not not_a_duplicate:
        names = [details.preferred_name, details.legal_name, *(name for name, _kind in aliases)]
        duplicates, hidden = registration_duplicates(
            actor=actor, names=names, birth_date=details.birth_date
        )
    if mrn and not identifier_available(actor=actor, clinic=clinic, value=mrn):
        return Registration(None, duplicates, hidden, number_in_use_message(clinic))
    if duplicates or hidden:
        return Registration(None, duplicates, hidden)
    try:
        patient = patient_register(
            actor=actor, clinic=clinic, details=details, aliases=aliases, mrn=mrn
        )
    except RegistryError as error:
        return Registration(number_refused=str(error))
    return Registration(patient)


@transaction.atomic
def patient_register(
    *,
    actor: User,
    clinic: Clinic,
    details: PatientDetails,
    aliases: Sequence[tuple[str, str]] = (),
    mrn: str = "",
) -> Patient:
    """Register a patient at ``clinic`` with ``actor`` on the care team."""
    patient = Patient(registered_by=actor)
    _apply_details(patient, details)
    patient.save()
    patient.clinics.add(clinic)
    CareTeamMember.objects.create(patient=patient, user=actor, added_by=actor)
    PatientAlias.objects.bulk_create(
        PatientAlias(patient=patient, name=name, kind=kind) for name, kind in aliases if name
    )
    ContactPlan.objects.create(patient=patient, updated_by=actor)
    if mrn.strip():
        _identifier_create(patient=patient, clinic=clinic, value=mrn)
    search_index_refresh(patient)
    audit_record(
        action=Action.CREATE,
        actor=actor,
        patient_id=patient.pk,
        obj=patient,
        category=Category.IDENTITY,
    )
    return patient


@transaction.atomic
def patient_update(*, actor: User, patient: Patient, details: PatientDetails) -> Patient:
    _apply_details(patient, details)
    patient.save()
    search_index_refresh(patient)
    audit_record(
        action=Action.UPDATE,
        actor=actor,
        patient_id=patient.pk,
        obj=patient,
        category=Category.IDENTITY,
    )
    return patient


@transaction.atomic
def alias_add(
    *, actor: User, patient: Patient, name: str, kind: str = AliasKind.OTHER
) -> PatientAlias:
    alias = PatientAlias.objects.create(patient=patient, name=name, kind=kind)
    search_index_refresh(patient)
    audit_record(
        action=Action.CREATE,
        actor=actor,
        patient_id=patient.pk,
        obj=alias,
        category=Category.IDENTITY,
    )
    return alias


@transaction.atomic
def alias_remove(*, actor: User, alias: PatientAlias) -> None:
    patient = alias.patient
    audit_record(
        action=Action.DELETE,
        actor=actor,
        patient_id=patient.pk,
        obj=alias,
        category=Category.IDENTITY,
    )
    alias.delete()
    search_index_refresh(patient)


def _identifier_create(*, patient: Patient, clinic: Clinic, value: str) -> ExternalIdentifier:
    index = identifier_token(IdentifierSystem.MRN, value)
    try:
        with transaction.atomic():
            return ExternalIdentifier.objects.create(
                patient=patient,
                clinic=clinic,
                system=IdentifierSystem.MRN,
                value=value.strip(),
                value_index=index,
            )
    except IntegrityError:
        raise RegistryError(number_in_use_message(clinic)) from None


def identifier_available(*, actor: User, clinic: Clinic, value: str) -> bool:
    """Whether a record number is free at ``clinic``; call before a registry write.

    Refusing a number tells the registrant that some patient holds it, so the refusal is
    recorded in that patient's history. (The write itself re-checks, through the
    database's uniqueness rule, in case someone took the number meanwhile.)
    """
    holder = (
        ExternalIdentifier.objects.filter(
            clinic=clinic,
            system=IdentifierSystem.MRN,
            value_index=identifier_token(IdentifierSystem.MRN, value),
        )
        .values_list("patient_id", flat=True)
        .first()
    )
    if holder is None:
        return True
    audit_record(
        action=Action.SEARCH,
        actor=actor,
        patient_id=holder,
        category=Category.IDENTITY,
        outcome=Outcome.DENIED,
        detail="record number in use: refused to a registrant",
    )
    return False


def number_in_use_message(clinic: Clinic) -> str:
    return _("This medical record number is already in use at %(clinic)s.") % {
        "clinic": clinic.name
    }


@transaction.atomic
def identifier_add(
    *, actor: User, patient: Patient, clinic: Clinic, value: str
) -> ExternalIdentifier:
    identifier = _identifier_create(patient=patient, clinic=clinic, value=value)
    audit_record(
        action=Action.CREATE,
        actor=actor,
        patient_id=patient.pk,
        obj=identifier,
        category=Category.IDENTITY,
    )
    return identifier


@transaction.atomic
def identifier_remove(*, actor: User, identifier: ExternalIdentifier) -> None:
    audit_record(
        action=Action.DELETE,
        actor=actor,
        patient_id=identifier.patient_id,
        obj=identifier,
        category=Category.IDENTITY,
    )
    identifier.delete()


@transaction.atomic
def contact_plan_update(
    *,
    actor: User,
    patient: Patient,
    do_not_contact: bool,
    notes: str,
    confirmed_at: datetime.date | None,
) -> ContactPlan:
    plan, _created = ContactPlan.objects.get_or_create(patient=patient)
    plan.do_not_contact = do_not_contact
    plan.notes = notes
    plan.confirmed_at = confirmed_at
    plan.updated_by = actor
    plan.save()
    audit_record(
        action=Action.UPDATE,
        actor=actor,
        patient_id=patient.pk,
        obj=plan,
        category=Category.CONTACT,
    )
    return plan


@transaction.atomic
def contact_channel_update(
    *, actor: User, patient: Patient, channel: ContactChannelKind, values: dict[str, Any]
) -> ContactChannel:
    record, _created = ContactChannel.objects.get_or_create(patient=patient, channel=channel)
    for name in (
        "safety",
        "destination",
        "time_windows",
        "voicemail_allowed",
        "code_word",
        "approved_wording",
        "confirmed_at",
    ):
        setattr(record, name, values[name])
    record.save()
    audit_record(
        action=Action.UPDATE,
        actor=actor,
        patient_id=patient.pk,
        obj=record,
        category=Category.CONTACT,
    )
    return record


def _require_member(actor: User, patient: Patient) -> None:
    if not patient.is_cared_for_by(actor):
        raise RegistryError(_("Only members of the care team change the care team."))


@transaction.atomic
def care_team_add(*, actor: User, patient: Patient, member: User) -> CareTeamMember:
    _require_member(actor, patient)
    if not member.cares_for_patients:
        raise RegistryError(_("Only clinicians, advocates and counselors join care teams."))
    if not member.clinics.filter(pk__in=patient.clinics.all()).exists():
        raise RegistryError(_("This staff member does not work at the patient's clinics."))
    entry, created = CareTeamMember.objects.get_or_create(
        patient=patient, user=member, defaults={"added_by": actor}
    )
    if created:
        audit_record(
            action=Action.PERMISSION_CHANGE,
            actor=actor,
            patient_id=patient.pk,
            obj=entry,
            category=Category.CARE_TEAM,
            detail=f"added user {member.pk}",
        )
    return entry


@transaction.atomic
def care_team_remove(*, actor: User, entry: CareTeamMember) -> None:
    patient = entry.patient
    _require_member(actor, patient)
    if patient.care_team.count() <= 1:
        raise RegistryError(_("A patient's care team cannot be left empty."))
    audit_record(
        action=Action.PERMISSION_CHANGE,
        actor=actor,
        patient_id=patient.pk,
        obj=entry,
        category=Category.CARE_TEAM,
        detail=f"removed user {entry.user_id}",
    )
    entry.delete()


def search_index_rebuild(batch_size: int = 500) -> int:
    """Recompute tokens for every patient and every identifier index. Returns patients done."""
    done = 0
    ids = list(Patient.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        with transaction.atomic():
            batch = Patient.objects.filter(pk__in=ids[start : start + batch_size])
            for patient in batch.prefetch_related("aliases"):
                search_index_refresh(patient)
                done += 1
    identifiers = list(ExternalIdentifier.objects.all())
    for identifier in identifiers:
        identifier.value_index = identifier_token(identifier.system, identifier.value)
    ExternalIdentifier.objects.bulk_update(identifiers, ["value_index"], batch_size=batch_size)
    return done
