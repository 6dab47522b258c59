"""Taking a module (check, then attestation) and a clinic's training rule."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from lantern.accounts.models import Clinic, User
from lantern.audit.models import Action
from lantern.audit.services import audit_record
from lantern.training.catalogue import Module, Question
from lantern.training.models import Attestation, TrainingPolicy


@dataclass(frozen=True)
class CheckOutcome:
    attestation: Attestation | None
    wrong: tuple[Question, ...]


@transaction.atomic
def attestation_record(*, actor: User, module: Module, answers: dict[str, str]) -> CheckOutcome:
    """Record the attestation if every answer of the knowledge check is right; otherwise
    nothing is recorded and the questions to look at again are returned."""
    wrong = tuple(module.wrong(answers))
    if wrong:
        return CheckOutcome(None, wrong)
    attestation = Attestation.objects.create(
        user=actor, module_id=module.id, module_version=module.version
    )
    audit_record(
        action=Action.CREATE,
        actor=actor,
        obj=attestation,
        detail=f"training attested: {module.id} v{module.version}",
    )
    return CheckOutcome(attestation, ())


@transaction.atomic
def training_policy_set(
    *, actor: User, clinic: Clinic, required_for_screening: bool, valid_months: int
) -> TrainingPolicy:
    policy, _created = TrainingPolicy.objects.select_for_update().get_or_create(clinic=clinic)
    policy.required_for_screening = required_for_screening
    policy.valid_months = valid_months
    policy.updated_by = actor
    policy.save()
    audit_record(
        action=Action.PERMISSION_CHANGE,
        actor=actor,
        obj=policy,
        detail=(
            f"training policy: {valid_months} months, "
            + ("required" if required_for_screening else "not required")
            + " before screening"
        ),
    )
    return policy
