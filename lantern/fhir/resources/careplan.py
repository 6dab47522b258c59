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
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.db.models import F, Max, OuterRef, QuerySet, Subquery
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
from lantern.fhir.resources.base import Include, Instant, ModelResource, Resource, Row, among
from lantern.fhir.resources.common import (
    codeable,
    english,
    local_system,
    patient_ref,
    user_label,
)
from lantern.screening.models import ScreeningResult

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
STEP_FIELDS = (
    "plan_id",
    "code",
    "category",
    "status",
    "origin_visit_id",
    "origin_screening_id",
    "protocol_id",
    "protocol_version",
)


@dataclass
class Step:
    """What a CarePlan shows of one activity: plain values, never its sealed words."""

    plan_id: int
    code: str
    category: str
    status: str
    origin_visit_id: int | None
    origin_screening_id: int | None
    protocol_id: str
    protocol_version: str
    earliest: str | None  # FHIR instants
    due: str
    latest: str | None
    owner: str | None
    released: list[int] = field(default_factory=list)


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
    date_field = "created_at"  # the plan's period starts when it is made
    includes: ClassVar[dict[str, Include]] = {
        "patient": Include("Patient", lambda row: [str(row["patient_id"])])
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

    def columns(self, access: ClientAccess) -> tuple[list[str], dict[str, Any]]:
        return ["pk", "patient_id", "batches"], {
            "updated": Instant("_updated"),
            "created": Instant("created_at"),
        }

    def attach(self, rows: list[Row], access: ClientAccess) -> None:
        """Each plan's activities, read as plain values: two queries for a whole page."""
        by_plan: dict[int, list[Step]] = {row["pk"]: [] for row in rows}
        if not by_plan:
            return
        found = (
            Activity.objects.filter(among("plan_id", by_plan))
            .annotate(
                _earliest=Instant("earliest"),
                _due=Instant("due"),
                _latest=Instant("latest"),
                _owner=user_label("owner"),
            )
            .order_by("due", "pk")
            .values_list(*STEP_FIELDS, "_earliest", "_due", "_latest", "_owner")
        )
        steps = [Step(*values) for values in found]
        sessions = {
            step.origin_screening_id for step in steps if step.origin_screening_id is not None
        }
        released: dict[int, list[int]] = {}
        if sessions:
            results = (
                ScreeningResult.objects.released()
                .filter(among("session_id", sessions))
                .order_by("pk")
                .values_list("session_id", "pk")
            )
            for session_id, pk in results:
                released.setdefault(session_id, []).append(pk)
        for step in steps:
            step.released = released.get(step.origin_screening_id or 0, [])
            by_plan[step.plan_id].append(step)
        for row in rows:
            row["steps"] = by_plan[row["pk"]]

    def render(self, row: Row, access: ClientAccess) -> list[Resource]:
        activities: list[Step] = row["steps"]
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
            "id": str(row["pk"]),
            "meta": labels.meta(row["updated"], labels.sensitive(*extra)),
            "status": status,
            "intent": "plan",
            "title": "Follow-up care plan",
            "subject": patient_ref(row["patient_id"]),
            "period": {"start": row["created"]},
            "created": row["created"],
        }
        batches = row["batches"] or []
        canonicals = [
            protocol_canonical(
                access, str(batch.get("protocol", "")), str(batch.get("version", ""))
            )
            for batch in batches
            if batch.get("protocol")
        ]
        if canonicals:
            resource["instantiatesCanonical"] = list(dict.fromkeys(canonicals))
            resource["note"] = [_batch_note(batch) for batch in batches if batch.get("protocol")]
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


def _detail(activity: Step, access: ClientAccess) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "code": codeable(
            local_system(access, "lantern-activity"),
            activity.code,
            activity.code.replace("-", " ").replace("_", " "),
            text=english(Area).get(activity.category, activity.category),
        ),
        "status": ACTIVITY_STATUS.get(activity.status, "unknown"),
        "extension": [{"url": due_extension(access), "valueDateTime": activity.due}],
    }
    if activity.status in STATUS_REASONS:
        detail["statusReason"] = {"text": STATUS_REASONS[activity.status]}
    period: dict[str, str] = {}
    if activity.earliest is not None:
        period["start"] = activity.earliest
    period["end"] = activity.latest or activity.due
    detail["scheduledPeriod"] = period
    reasons = []
    if activity.origin_visit_id is not None:
        reasons.append({"reference": f"Encounter/{activity.origin_visit_id}"})
    reasons += [{"reference": f"QuestionnaireResponse/{pk}"} for pk in activity.released]
    if reasons:
        detail["reasonReference"] = reasons
    if activity.protocol_id:
        detail["instantiatesCanonical"] = [
            protocol_canonical(access, activity.protocol_id, activity.protocol_version)
        ]
    if activity.owner:
        detail["performer"] = [{"display": activity.owner}]
    return detail
