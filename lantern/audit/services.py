"""Writing the audit trail. Views call ``audit_record``; they never build entries themselves."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db import models
from django.http import HttpRequest

from lantern.audit.context import current_source_address
from lantern.audit.models import Action, AuditEvent, Category, Outcome


def source_address(request: HttpRequest | None) -> str | None:
    if request is None:
        return current_source_address.get()
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    action: Action,
    request: HttpRequest | None = None,
    actor: Any = None,
    patient_id: UUID | None = None,
    obj: models.Model | None = None,
    category: Category = Category.NONE,
    outcome: Outcome = Outcome.SUCCESS,
    detail: str = "",
) -> AuditEvent:
    """Append one entry. ``detail`` is for counts and codes, never for names or free text."""
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_label=actor.get_username() if actor is not None else "",
        patient_id=patient_id,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        category=category,
        source_address=source_address(request),
        outcome=outcome,
        detail=detail[:200],
    )
