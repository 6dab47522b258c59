"""Which audit entries a privacy officer may review.

A privacy officer sees entries written by staff of their health system, entries about
patients registered at their clinics, and failed sign-ins to accounts that do not exist
(which belong to no health system but are how guessing attacks show up).
"""

from __future__ import annotations

from django.db import models

from lantern.accounts.models import HealthSystem, User
from lantern.audit.models import Action, AuditEvent, AuditEventQuerySet
from lantern.patients.models import Patient


def report_scope(officer: User) -> AuditEventQuerySet:
    """Every entry ``officer`` may review, as one query (subqueries, no round trips)."""
    systems = HealthSystem.objects.filter(
        models.Q(clinics__staff=officer) | models.Q(pk=officer.health_system_id)
    )
    staff = User.objects.filter(
        models.Q(health_system__in=systems) | models.Q(clinics__health_system__in=systems)
    )
    patients = Patient.objects.in_clinics_of(officer).values("pk")
    return AuditEvent.objects.filter(
        models.Q(actor__in=staff.values("pk"))
        | models.Q(patient_id__in=patients)
        | models.Q(action=Action.LOGIN_FAILED, actor__isnull=True)
    )
