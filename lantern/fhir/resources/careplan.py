"""CarePlan: the patient's one follow-up plan, each activity as ``activity.detail``.

An activity's kind is its code; its status is mapped to FHIR's activity statuses (a missed
activity is ``stopped``, a declined one ``cancelled``, each with its reason); its window is
``scheduledPeriod`` (not before .. no later than) with the due date in an extension; the
owner is the performer; the visit or released screening results that caused it are its
``reasonReference``; a generated activity names its protocol and version as
``instantiatesCanonical``. Titles, rationales, notes and appointment places are staff's own
words about the person: sealed, and never sent.
"""

from __future__ import annotations

import contextlib
import datetime
from typing import Any, ClassVar

from django.db.models import F, Max, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest

from lantern.audit.models import Category
from lantern.careplans.models import (
    OPEN_STATUSES,
    Activity,
    ActivityStatusChange,
    CarePlan,
    Status,
)
from lantern.careplans.models import Category as Area
from lantern.fhir import labels
from lantern.fhir.access import ClientAccess
from lantern.fhir.resources.base import Include, ModelResource, Resource
from lantern.fhir.resources.common import (
    codeable,
    english,
    local_system,
    patient_ref,
    user_label,
)
from lantern.screening.models import ScreeningResult, ScreeningSession

# Lantern's activity status -> FHIR CarePlan.activity.detail.status (care-plan-activity-status)
ACTIVITY_STATUS: dict[str, str] = {
    Status.PLANNED: "not-started",
    Status.SCHEDULED: "scheduled",
    Status.DONE: "completed",
    Status.MISSED: "stopped",
    Status.DECLINED: "cancelled",
    Status.CANCELLED: "cancelled",
}
STATUS_REASONS: dict[str, str] = {
    Status.MISSED: "missed",
    Status.DECLINED: "declined by the patient",
}


def protocol_canonical(access: ClientAccess, protocol_id: str, version: str) -> str:
    """The canonical URL of one version of a follow-up protocol (not served as a resource)."""
    url = f"{access.base_url}/PlanDefinition/{protocol_id}"
    return f"{url}|{version}" if version else url


def due_extension(access: ClientAccess) -> str:
    return f"{access.base_url}/StructureDefinition/activity-due"


def _last_change() -> Subquery:
    return Subquery(
        ActivityStatusChange.objects.filter(activity__plan=OuterRef("pk"))
        .values("activity__plan")
        .annotate(last=Max("changed_at"))
        .values("last")[:1]
    )


def _last_added() -> Subquery:
    return Subquery(
        Activity.objects.filter(plan=OuterRef("pk"))
        .values("plan")
        .annotate(last=Max("created_at"))
        .values("last")[:1]
    )


class CarePlanResource(ModelResource):
    name = "CarePlan"
    model = CarePlan
    category = Category.SENSITIVE
    updated_field = "_updated"
    includes: ClassVar[dict[str, Include]] = {
        "patient": Include("Patient", lambda row: [str(row.patient_id)])
    }

    def rows(self, access: ClientAccess) -> QuerySet[Any]:
        # The plan changes when an activity is added or changes status.
        return CarePlan.objects.annotate(
            _updated=Greatest(
                F("created_at"),
                Coalesce(_last_added(), F("created_at")),
                Coalesce(_last_change(), F("created_at")),
            )
        )

    def optimised(self, rows: QuerySet[Any]) -> QuerySet[Any]:
        released = ScreeningResult.objects.released().only("pk", "session_id").order_by("pk")
        activities = (
            Activity.objects.only(
                "pk",
                "plan_id",
                "code",
                "category",
                "status",
                "earliest",
                "due",
                "latest",
                "origin_visit_id",
                "origin_screening_id",
                "protocol_id",
                "protocol_version",
            )
            .annotate(_owner=user_label("owner"))
            .prefetch_related(
                # The session only as a key: its deferral note is sealed and stays unopened.
                Prefetch("origin_screening", queryset=ScreeningSession.objects.only("pk")),
                Prefetch("origin_screening__results", queryset=released, to_attr="released"),
            )
            .order_by("due", "pk")
        )
        return rows.prefetch_related(Prefetch("activities", queryset=activities))

    def render(self, row: CarePlan, access: ClientAccess) -> list[Resource]:
        activities = list(row.activities.all())
        if not activities:
            status = "draft"
        elif any(activity.status in OPEN_STATUSES for activity in activities):
            status = "active"
        else:
            status = "completed"
        extra = (
            (labels.BEHAVIORAL_HEALTH,)
            if any(a.category == Area.MENTAL for a in activities)
            else ()
        )
        resource: Resource = {
            "resourceType": "CarePlan",
            "id": str(row.pk),
            "meta": labels.meta(row._updated, labels.sensitive(*extra)),  # type: ignore[attr-defined]
            "status": status,
            "intent": "plan",
            "title": "Follow-up care plan",
            "subject": patient_ref(row.patient_id),
            "period": {"start": labels.instant(row.created_at)},
            "created": labels.instant(row.created_at),
        }
        canonicals = [
            protocol_canonical(
                access, str(batch.get("protocol", "")), str(batch.get("version", ""))
            )
            for batch in row.batches or []
            if batch.get("protocol")
        ]
        if canonicals:
            resource["instantiatesCanonical"] = list(dict.fromkeys(canonicals))
            resource["note"] = [
                _batch_note(batch) for batch in row.batches if batch.get("protocol")
            ]
        if activities:
            resource["activity"] = [{"detail": _detail(a, access)} for a in activities]
        return [resource]


def _batch_note(batch: dict[str, Any]) -> dict[str, str]:
    text = f"Activities generated from protocol {batch['protocol']}"
    if batch.get("version"):
        text += f" version {batch['version']}"
    note = {"text": text}
    with contextlib.suppress(TypeError, ValueError):
        note["time"] = labels.instant(datetime.datetime.fromisoformat(str(batch.get("at"))))
    return note


def _detail(activity: Activity, access: ClientAccess) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "code": codeable(
            local_system(access, "lantern-activity"),
            activity.code,
            activity.code.replace("-", " ").replace("_", " "),
            text=english(Area).get(activity.category, activity.category),
        ),
        "status": ACTIVITY_STATUS.get(activity.status, "unknown"),
        "extension": [
            {"url": due_extension(access), "valueDateTime": labels.instant(activity.due)}
        ],
    }
    if activity.status in STATUS_REASONS:
        detail["statusReason"] = {"text": STATUS_REASONS[activity.status]}
    period: dict[str, str] = {}
    if activity.earliest is not None:
        period["start"] = labels.instant(activity.earliest)
    period["end"] = labels.instant(activity.latest or activity.due)
    detail["scheduledPeriod"] = period
    reasons = []
    if activity.origin_visit_id is not None:
        reasons.append({"reference": f"Encounter/{activity.origin_visit_id}"})
    if activity.origin_screening is not None:
        reasons += [
            {"reference": f"QuestionnaireResponse/{result.pk}"}
            for result in activity.origin_screening.released  # type: ignore[attr-defined]
        ]
    if reasons:
        detail["reasonReference"] = reasons
    if activity.protocol_id:
        detail["instantiatesCanonical"] = [
            protocol_canonical(access, activity.protocol_id, activity.protocol_version)
        ]
    if activity._owner:  # type: ignore[attr-defined]
        detail["performer"] = [{"display": activity._owner}]  # type: ignore[attr-defined]
    return detail
