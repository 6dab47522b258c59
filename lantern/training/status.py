"""Whose training is current where: the rule screening is gated by, and the status pages.

An attestation is current at a clinic when it is for the module's present version and was
given less than the clinic's ``valid_months`` ago (12 months unless the clinic says other).
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lantern.accounts.models import Clinic, User
from lantern.training.catalogue import Module, modules
from lantern.training.models import DEFAULT_VALID_MONTHS, Attestation, TrainingPolicy


class State(StrEnum):
    CURRENT = "current"
    EXPIRED = "expired"
    NEW_VERSION = "new_version"
    NOT_TAKEN = "not_taken"


STATE_LABELS = {
    State.CURRENT: _("Current"),
    State.EXPIRED: _("Expired"),
    State.NEW_VERSION: _("New version to take"),
    State.NOT_TAKEN: _("Not taken"),
}


def add_months(moment: datetime.datetime, months: int) -> datetime.datetime:
    """The same day ``months`` later (the month's last day if it has fewer days)."""
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


@dataclass(frozen=True)
class ModuleStatus:
    module: Module
    state: State
    attested_at: datetime.datetime | None
    expires_at: datetime.datetime | None

    @property
    def current(self) -> bool:
        return self.state == State.CURRENT

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self.state])


def latest_attestations(users: Iterable[User]) -> dict[tuple[int, str], Attestation]:
    """Each user's newest attestation of each module, in one query."""
    latest: dict[tuple[int, str], Attestation] = {}
    for entry in Attestation.objects.filter(user__in=list(users)).latest_per_module():
        latest.setdefault((entry.user_id, entry.module_id), entry)
    return latest


def module_status(
    module: Module, attestation: Attestation | None, valid_months: int, now: datetime.datetime
) -> ModuleStatus:
    if attestation is None:
        return ModuleStatus(module, State.NOT_TAKEN, None, None)
    expires = add_months(attestation.attested_at, valid_months)
    if attestation.module_version != module.version:
        state = State.NEW_VERSION
    else:
        state = State.CURRENT if expires > now else State.EXPIRED
    return ModuleStatus(module, state, attestation.attested_at, expires)


def statuses(
    user: User,
    valid_months: int,
    latest: dict[tuple[int, str], Attestation] | None = None,
    now: datetime.datetime | None = None,
) -> list[ModuleStatus]:
    latest = latest_attestations([user]) if latest is None else latest
    now = now or timezone.now()
    return [module_status(m, latest.get((user.pk, m.id)), valid_months, now) for m in modules()]


def policies(clinics: Iterable[Clinic]) -> dict[int, TrainingPolicy]:
    found = TrainingPolicy.objects.filter(clinic__in=list(clinics)).select_related("clinic")
    return {policy.clinic_id: policy for policy in found}


def valid_months_for(user: User) -> int:
    """The shortest validity among the user's clinics: current there is current everywhere."""
    months = [p.valid_months for p in policies(user.clinics.all()).values()]
    return min(months, default=DEFAULT_VALID_MONTHS)


@dataclass(frozen=True)
class Gate:
    """What stands between a member of staff and running a screening for a patient."""

    clinics: tuple[Clinic, ...]  # the clinics whose rule applies
    missing: tuple[ModuleStatus, ...]  # modules to complete (not current)

    @property
    def open(self) -> bool:
        return not self.missing


def screening_gate(user: User, patient_clinics: Iterable[Clinic]) -> Gate:
    """The modules ``user`` must complete before running screenings (or handing a tablet
    over) for a patient of ``patient_clinics``: those not current under the rule of any
    shared clinic that requires training. Two queries whatever the number of modules."""
    own = set(user.clinics.values_list("pk", flat=True))
    shared = [clinic for clinic in patient_clinics if clinic.pk in own]
    requiring = [p for p in policies(shared).values() if p.required_for_screening]
    if not requiring:
        return Gate((), ())
    months = min(p.valid_months for p in requiring)
    missing = tuple(s for s in statuses(user, months) if not s.current)
    return Gate(tuple(p.clinic for p in requiring), missing)
