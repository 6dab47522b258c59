"""Making a patient's care plan from a visit: the clinic's protocol applied to the facts.

Generating adds what the protocol calls for and the plan does not hold yet. It never
duplicates an activity (a protocol activity is planned once per visit) and never rewrites
one: activities made under an older protocol version keep their dates, texts and version.
Each activity records the protocol id and version, the protocol's activity id, and its
origin (the visit, and the screening session behind a positive-screen activity).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lantern.audit.models import Action
from lantern.audit.services import audit_record
from lantern.careplans import protocols
from lantern.careplans.clinic_protocols import protocol_for
from lantern.careplans.models import Activity, ActivityStatusChange, CarePlan, Status
from lantern.careplans.models import Category as ActivityCategory
from lantern.careplans.services import AUDIT_CATEGORY, CarePlanError
from lantern.careplans.visit_facts import SCREEN_RULES, FactsUnavailable, VisitFacts, visit_facts
from lantern.encounters.models import FollowUpAssessment

if TYPE_CHECKING:
    from lantern.accounts.models import User
    from lantern.encounters.models import Encounter
    from lantern.patients.models import Patient

MENTAL_CODES = frozenset({"mental-health-rescreen"})


@dataclass(frozen=True)
class Generated:
    plan: CarePlan
    protocol: protocols.ProtocolRef
    added: int
    kept: int  # already in the plan: left as they were


def _category(code: str) -> str:
    return ActivityCategory.MENTAL if code in MENTAL_CODES else ActivityCategory.PHYSICAL


def _screening_for(rule: str, screens: dict[str, int]) -> int | None:
    if rule not in SCREEN_RULES:
        return None
    if rule == "asq-positive":
        return screens.get("asq")
    others = [session for code, session in sorted(screens.items()) if code != "asq"]
    return others[0] if others else None


def _facts_or_refuse(visit: Encounter, patient: Patient) -> tuple[protocols.Protocol, VisitFacts]:
    assessment = FollowUpAssessment.objects.filter(encounter=visit).first()
    if assessment is None:
        raise CarePlanError(_("Record the visit's follow-up assessment first."))
    protocol = protocol_for(visit.clinic)
    try:
        found = visit_facts(protocol, assessment, patient)
    except FactsUnavailable as missing:
        raise CarePlanError(
            _("The patient's %(fact)s is not known: record it in the registry first.")
            % {"fact": _("age") if str(missing) == "age" else str(missing)}
        ) from missing
    except protocols.FactsError as error:
        raise CarePlanError(str(error)) from error
    return protocol, found


GIVEN_NOTE = "given at the visit"


def _given_at_visit(
    protocol: protocols.Protocol,
    found: VisitFacts,
    plan: CarePlan,
    visit: Encounter,
    actor: User,
    existing: set[str],
    ref: protocols.ProtocolRef,
) -> list[Activity]:
    """The doses given at the visit, as activities already done (the series counts from them)."""
    made = []
    for activity_id, moment in found.done.items():
        if activity_id in existing:
            continue
        spec = protocol.activities_by_id[activity_id]
        made.append(
            Activity(
                plan=plan,
                code=spec.code,
                title=spec.title,
                category=_category(spec.code),
                owner=actor,
                status=Status.DONE,
                earliest=moment,
                due=moment,
                latest=moment,
                rationale=spec.rationale,
                source=spec.source,
                origin_visit=visit,
                protocol_id=ref.id,
                protocol_version=ref.version,
                protocol_activity=activity_id,
                created_at=timezone.now(),
                created_by=actor,
            )
        )
    return made


def _record_given(activities: list[Activity], actor: User) -> None:
    ActivityStatusChange.objects.bulk_create(
        ActivityStatusChange(
            activity=activity,
            changed_by=actor,
            from_status=Status.PLANNED,
            to_status=Status.DONE,
            note=GIVEN_NOTE,
        )
        for activity in activities
        if activity.status == Status.DONE
    )


@transaction.atomic
def careplan_generate(*, patient: Patient, visit: Encounter, actor: User) -> Generated:
    """Add the protocol's activities for ``visit`` to the patient's plan; audited."""
    if visit.patient_id != patient.pk:
        raise CarePlanError("The visit is not this patient's.")
    protocol, found = _facts_or_refuse(visit, patient)
    screens = found.screen_sessions
    planned = protocols.plan(protocol, found.facts, done=found.done)
    plan, _created = CarePlan.objects.get_or_create(patient=patient)
    plan = CarePlan.objects.select_for_update().get(pk=plan.pk)  # one generation at a time
    existing = set(
        Activity.objects.filter(plan=plan, origin_visit=visit)
        .exclude(protocol_activity="")
        .values_list("protocol_activity", flat=True)
    )
    now = timezone.now()
    new = [
        Activity(
            plan=plan,
            code=activity.code,
            title=activity.title,
            category=_category(activity.code),
            owner=actor,
            earliest=activity.earliest,
            due=activity.due,
            latest=activity.latest,
            urgent=activity.urgent,
            exposure_unknown=activity.exposure_unknown,
            offer=activity.offer,
            rationale=activity.rationale,
            source=activity.source,
            origin_visit=visit,
            origin_screening_id=_screening_for(activity.rule, screens),
            protocol_id=planned.protocol.id,
            protocol_version=planned.protocol.version,
            protocol_activity=activity.id,
            created_at=now,
            created_by=actor,
        )
        for activity in planned.activities
        if activity.id not in existing
    ]
    new += _given_at_visit(protocol, found, plan, visit, actor, existing, planned.protocol)
    Activity.objects.bulk_create(new)
    _record_given(new, actor)
    plan.batches = [
        *plan.batches,
        {
            "protocol": planned.protocol.id,
            "version": planned.protocol.version,
            "at": now.isoformat(),
            "visit": visit.pk,
            "added": len(new),
        },
    ]
    plan.save(update_fields=["batches"])
    audit_record(
        action=Action.CREATE,
        actor=actor,
        patient_id=patient.pk,
        obj=plan,
        category=AUDIT_CATEGORY,
        detail=f"generated {len(new)} from {planned.protocol} for visit {visit.pk}",
    )
    kept = sum(1 for activity in planned.activities if activity.id in existing)
    return Generated(plan, planned.protocol, len(new), kept)
