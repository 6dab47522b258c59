from __future__ import annotations

from typing import Any

from django import template

from lantern.messaging.models import ContactDecision

register = template.Library()
RECENT = 5


@register.inclusion_tag("messaging/_recent_decisions.html")
def recent_contact_decisions(patient: Any) -> dict[str, Any]:
    """The latest reminder decisions about ``patient``, for the chart's safe-contact card."""
    decisions = ContactDecision.objects.filter(patient=patient).select_related("message")
    return {"patient": patient, "decisions": list(decisions[:RECENT])}
