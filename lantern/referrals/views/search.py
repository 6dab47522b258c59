"""Finding a service, and a service's page."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpResponse
from django.shortcuts import render

from lantern.accounts.access import AuthenticatedHttpRequest
from lantern.audit.models import Action
from lantern.audit.services import audit_record
from lantern.core.http import require_safe, require_safe_or_POST
from lantern.referrals import search, summaries
from lantern.referrals.access import directory_readers, directory_record, may_maintain
from lantern.referrals.forms import AvailabilityForm, DirectorySearchForm
from lantern.referrals.models import Accessibility, Service, ServiceStatus


@directory_readers
@require_safe_or_POST
def directory_search(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Search by need, language, eligibility, hours, area and words (a POST: nothing in URLs)."""
    form = DirectorySearchForm(request.POST or None)
    outcome: search.SearchOutcome | None = None
    if request.method == "POST" and form.is_valid():
        user = request.user
        outcome = search.find(user.health_system_id, form.query())
        # What was asked for is never stored: needs and words can describe the person.
        audit_record(
            action=Action.SEARCH,
            request=request,
            detail=f"directory search: {outcome.total} results",
        )
    template = (
        "referrals/_results.html" if getattr(request, "htmx", False) else "referrals/search.html"
    )
    return render(request, template, {"form": form, "outcome": outcome})


@directory_readers
@require_safe
def service_detail(request: AuthenticatedHttpRequest, service_id: UUID) -> HttpResponse:
    service = directory_record(request, Service, service_id)
    return render(request, "referrals/service.html", service_context(request, service))


def service_context(
    request: AuthenticatedHttpRequest, service: Service, **forms: object
) -> dict[str, object]:
    (summary,) = summaries.summarise([service])
    locations = [place.location_id for place, _addresses in summary.places]
    context: dict[str, object] = {
        "service": service,
        "summary": summary,
        "accessibility": Accessibility.objects.filter(location__in=locations).order_by("pk"),
        "may_maintain": may_maintain(request.user),
        "availability_form": AvailabilityForm(
            initial={"note": summary.availability.note if summary.availability else ""}
        ),
        "inactive": ServiceStatus.INACTIVE,
        "active": ServiceStatus.ACTIVE,
    }
    context.update(forms)
    return context
