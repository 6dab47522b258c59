"""ServiceRequest and Task: two views of one referral to a directory service.

The ServiceRequest is the referral itself: category social care, the need it answers from
the directory's need taxonomy, who asked for it, and the service as a display and an
identifier only (directory services are not resources here). It lists the kinds of item
the patient's consent let the referral share (never their values), and nothing for a draft,
which has shared nothing. The Task is the closed loop: the referral's status as a Task
status and business status, ``focus`` the ServiceRequest, and each status change as a
contained Provenance in ``relevantHistory``. The message for the organisation, the
recipient as sent, what the partner was shown, hand-off notes and status notes are sealed
and never leave. Both share the referral's id.
"""

from __future__ import annotations

from typing import Any, ClassVar, NamedTuple

from django.db.models import BooleanField, Case, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from lantern.audit.models import Category
from lantern.careplans.models import Activity
from lantern.fhir import labels, search
from lantern.fhir.access import ClientAccess
from lantern.fhir.resources.base import (
    Include,
    Instant,
    ModelResource,
    Param,
    Resource,
    Row,
    among,
)
from lantern.fhir.resources.common import (
    codeable,
    english,
    local_system,
    patient_ref,
    token_filter,
    user_label,
)
from lantern.referrals import taxonomy
from lantern.referrals.models import Attribute, Referral, ReferralStatus, ReferralStatusChange
from lantern.referrals.sharing import ShareItem, ordered
from lantern.screening.models import unreleased_through

SNOMED = "http://snomed.info/sct"
NEED_SYSTEM = f"urn:uuid:{taxonomy.NEEDS_TAXONOMY.id}"
NEED_IDS = [term.id for term in taxonomy.NEEDS]
SERVICE_REQUEST_STATUS: dict[str, str] = {
    ReferralStatus.DRAFT: "draft",
    ReferralStatus.SENT: "active",
    ReferralStatus.ACCEPTED: "active",
    ReferralStatus.DECLINED: "revoked",
    ReferralStatus.COMPLETED: "completed",
    ReferralStatus.CANCELLED: "revoked",
}
TASK_STATUS: dict[str, str] = {
    ReferralStatus.DRAFT: "draft",
    ReferralStatus.SENT: "requested",
    ReferralStatus.ACCEPTED: "accepted",
    ReferralStatus.DECLINED: "rejected",
    ReferralStatus.COMPLETED: "completed",
    ReferralStatus.CANCELLED: "cancelled",
}
BUSINESS_TEXT: dict[str, str] = {
    ReferralStatus.DRAFT: "Not sent yet",
    ReferralStatus.SENT: "Sent; waiting for the organisation's answer",
    ReferralStatus.ACCEPTED: "Accepted by the organisation",
    ReferralStatus.DECLINED: "Declined by the organisation",
    ReferralStatus.COMPLETED: "Completed",
    ReferralStatus.CANCELLED: "Cancelled",
}


def _status_q(mapping: dict[str, str]) -> Any:
    def codes(system: str | None, code: str, access: ClientAccess) -> Q:
        if system not in (None, ""):
            return Q(pk__in=[])
        return Q(status__in=[status for status, fhir in mapping.items() if fhir == code])

    return token_filter(codes)


def _authored_q(rows: QuerySet[Any], values: list[str], access: ClientAccess) -> QuerySet[Any]:
    return rows.filter(search.date_q("created_at", values))


def referral_rows() -> QuerySet[Referral]:
    first_need = Attribute.objects.filter(
        health_system_id=OuterRef("service__health_system_id"),
        linked_type="service",
        link_id=OuterRef("service__hsds_id"),
        taxonomy_term__hsds_id__in=NEED_IDS,
    ).order_by("taxonomy_term_id", "pk")
    return Referral.objects.annotate(
        _need=Subquery(first_need.values("taxonomy_term__hsds_id")[:1]),
        _plan=Subquery(Activity.objects.filter(pk=OuterRef("activity_id")).values("plan_id")[:1]),
        # Through the result's own row rather than a subquery: PostgreSQL planned that as a
        # hash of every released result, once for each page of an export.
        _result_released=Case(
            When(unreleased_through("screening_result"), then=Value(False)),
            default=Value(True),
            output_field=BooleanField(),
        ),
        _requester=Coalesce(user_label("owner"), user_label("created_by")),
        _service_name=F("service__name"),
        _service_hsds_id=F("service__hsds_id"),
        _organization_name=F("service__organization__name"),
    )


def service_display(row: Row) -> dict[str, Any]:
    service = f"urn:uuid:{row['_service_hsds_id']}"
    return {
        "identifier": {"system": "urn:ietf:rfc:3986", "value": service},
        "display": f"{row['_service_name']} ({row['_organization_name']})",
    }


def staff_display(row: Row) -> dict[str, str]:
    return {"display": row["_requester"]}


REFERRAL_FIELDS = [
    "pk",
    "patient_id",
    "status",
    "encounter_id",
    "screening_result_id",
    "shared_items",
    "_need",
    "_plan",
    "_result_released",
    "_requester",
    "_service_name",
    "_service_hsds_id",
    "_organization_name",
]


class ReferralResource(ModelResource):
    """Shared by the two types read from referrals."""

    model = Referral
    category = Category.SENSITIVE
    updated_field = "status_at"
    date_field = "created_at"  # authoredOn
    export_source = "referral"

    def rows(self, access: ClientAccess) -> QuerySet[Any]:
        return referral_rows()

    def row_filter(self, resource_id: str) -> Q | None:
        import uuid

        try:
            return Q(pk=uuid.UUID(resource_id))
        except ValueError:
            return None

    def columns(self, access: ClientAccess) -> tuple[list[str], dict[str, Any]]:
        # Sealed values (the message, the recipient, what was sent) are never even read.
        return REFERRAL_FIELDS, {
            "status_changed": Instant("status_at"),
            "created": Instant("created_at"),
        }

    def attach(self, rows: list[Row], access: ClientAccess) -> None:
        """Each referral's status changes, read as plain values: one query for a page."""
        by_referral: dict[Any, list[Change]] = {row["pk"]: [] for row in rows}
        if not by_referral:
            return
        found = (
            ReferralStatusChange.objects.filter(among("referral_id", by_referral))
            .annotate(_actor=user_label("actor"), _at=Instant("at"))
            .order_by("at", "pk")
            .values_list("referral_id", "to_status", "_at", "by_partner", "_actor")
        )
        for referral_id, *values in found:
            by_referral[referral_id].append(Change(*values))
        for row in rows:
            row["changes"] = by_referral[row["pk"]]


class Change(NamedTuple):
    to_status: str
    at: str  # a FHIR instant
    by_partner: bool
    actor: str | None


def _reasons(row: Row) -> list[dict[str, str]]:
    reasons = []
    if row["encounter_id"] is not None:
        reasons.append({"reference": f"Encounter/{row['encounter_id']}"})
    if row["screening_result_id"] is not None and row["_result_released"]:
        reasons.append({"reference": f"QuestionnaireResponse/{row['screening_result_id']}"})
    return reasons


class ServiceRequestResource(ReferralResource):
    name = "ServiceRequest"
    params: ClassVar[dict[str, Param]] = {
        "status": Param("token", _status_q(SERVICE_REQUEST_STATUS), "draft, active, ..."),
        "authored": Param("date", _authored_q, "When the request was written (as date)"),
    }
    includes: ClassVar[dict[str, Include]] = {
        "patient": Include("Patient", lambda row: [str(row["patient_id"])]),
        "based-on": Include("CarePlan", lambda row: [str(row["_plan"])] if row["_plan"] else []),
    }

    def render(self, row: Row, access: ClientAccess) -> list[Resource]:
        resource: Resource = {
            "resourceType": "ServiceRequest",
            "id": str(row["pk"]),
            "meta": labels.meta(row["status_changed"], labels.sensitive()),
            "status": SERVICE_REQUEST_STATUS.get(row["status"], "unknown"),
            "intent": "order",
            "category": [
                {
                    "coding": [
                        {
                            "system": SNOMED,
                            "code": "410606002",
                            "display": "Social service procedure",
                        },
                        {
                            "system": local_system(access, "lantern-request-category"),
                            "code": "social-care",
                            "display": "Social care",
                        },
                    ]
                }
            ],
            "subject": patient_ref(row["patient_id"]),
            "authoredOn": row["created"],
            "requester": staff_display(row),
            "performer": [service_display(row)],
        }
        need = taxonomy.BY_ID.get(row["_need"]) if row["_need"] else None
        if need is not None:
            resource["code"] = codeable(NEED_SYSTEM, need.code, need.name)
        if row["_plan"] is not None:
            resource["basedOn"] = [{"reference": f"CarePlan/{row['_plan']}"}]
        reasons = _reasons(row)
        if reasons:
            resource["reasonReference"] = reasons
        if row["status"] != ReferralStatus.DRAFT:
            # Sending required the patient's consent for exactly these items.
            shared = english(ShareItem)
            resource["orderDetail"] = [
                codeable(local_system(access, "lantern-shared-item"), item, shared[item])
                for item in ordered(row["shared_items"])
            ]
        return [_without_empty(resource)]


class TaskResource(ReferralResource):
    name = "Task"
    params: ClassVar[dict[str, Param]] = {
        "status": Param("token", _status_q(TASK_STATUS), "draft, requested, accepted, ..."),
        "authored-on": Param("date", _authored_q, "When the task was made (as date)"),
    }
    includes: ClassVar[dict[str, Include]] = {
        "patient": Include("Patient", lambda row: [str(row["patient_id"])]),
        "focus": Include("ServiceRequest", lambda row: [str(row["pk"])]),
    }

    def render(self, row: Row, access: ClientAccess) -> list[Resource]:
        status_system = local_system(access, "lantern-referral-status")
        statuses = english(ReferralStatus)
        changes: list[Change] = row["changes"]
        history = [
            {
                "resourceType": "Provenance",
                "id": f"change-{number}",
                "target": [{"reference": f"Task/{row['pk']}"}],
                "recorded": change.at,
                "activity": codeable(
                    status_system, change.to_status, statuses.get(change.to_status, "")
                ),
                "agent": [{"who": _changed_by(change)}],
            }
            for number, change in enumerate(changes, start=1)
        ]
        resource: Resource = {
            "resourceType": "Task",
            "id": str(row["pk"]),
            "meta": labels.meta(row["status_changed"], labels.sensitive()),
            "status": TASK_STATUS.get(row["status"], "draft"),
            "businessStatus": codeable(
                status_system,
                row["status"],
                statuses.get(row["status"], str(row["status"])),
                text=BUSINESS_TEXT.get(row["status"], ""),
            ),
            "intent": "order",
            "focus": {"reference": f"ServiceRequest/{row['pk']}"},
            "for": patient_ref(row["patient_id"]),
            "authoredOn": row["created"],
            "lastModified": row["status_changed"],
            "requester": staff_display(row),
            "owner": service_display(row),
        }
        period = _execution(changes)
        if period:
            resource["executionPeriod"] = period
        if history:
            resource["contained"] = history
            resource["relevantHistory"] = [{"reference": f"#{p['id']}"} for p in history]
        return [resource]


def _changed_by(change: Change) -> dict[str, str]:
    if change.by_partner:
        return {"display": "the organisation, through its link"}
    if change.actor:
        return {"display": change.actor}
    return {"display": "Lantern"}


def _execution(changes: list[Change]) -> dict[str, str]:
    """From the send to the organisation's last word (or the cancellation)."""
    period = {}
    sent = next((c for c in changes if c.to_status == ReferralStatus.SENT), None)
    if sent is not None:
        period["start"] = sent.at
    closing = (ReferralStatus.DECLINED, ReferralStatus.COMPLETED, ReferralStatus.CANCELLED)
    closed = next((c for c in reversed(changes) if c.to_status in closing), None)
    if closed is not None:
        period["end"] = closed.at
    return period


def _without_empty(resource: Resource) -> Resource:
    return {key: value for key, value in resource.items() if value not in ([], None, "")}
