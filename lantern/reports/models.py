"""The program reports' one table: each health system's figures, already suppressed.

Refreshed by ``lantern reports refresh`` (or ``services.reports_refresh``); the report pages
and exports read only this, so they take the same few queries whatever the number of
patients. No count from 1 to 10 is ever stored, no name, no free text, no date finer than a
month.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportSnapshot(models.Model):
    """The published figures of one health system as of ``refreshed_at``.

    ``figures`` maps a measure (``measures.MEASURES``) to ``[[month, clinic, *categories,
    count or null], ...]``: every figure of each month's cube that is not zero, with ``*``
    for a total along an axis (all clinics, all categories) and ``null`` for a withheld one.
    Anything missing is zero.
    """

    health_system = models.OneToOneField(
        "accounts.HealthSystem", on_delete=models.CASCADE, related_name="report_snapshot"
    )
    refreshed_at = models.DateTimeField()
    months = models.JSONField(default=list)  # ["2026-01", ...], oldest first
    clinics = models.JSONField(default=list)  # [clinic id, ...] as counted
    axes = models.JSONField(default=dict)  # measure -> [[category code, ...] per dimension]
    figures = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("report snapshot")

    def __str__(self) -> str:
        return f"report figures of {self.health_system_id}"
