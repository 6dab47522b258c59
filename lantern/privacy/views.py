"""The privacy officer's audit report and its CSV export. Viewing either is itself audited."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from lantern.accounts.access import AuthenticatedHttpRequest, privacy_officer_required
from lantern.accounts.reauth import reauthentication_required
from lantern.audit import export, reports
from lantern.audit.forms import AuditFilterForm
from lantern.audit.models import Action, Category
from lantern.audit.services import audit_record
from lantern.core.http import require_safe
from lantern.privacy.scope import report_scope

EXPORT_FILENAME = "audit-report.csv"
DIGEST_HEADER = "X-Content-SHA256"


# Sortable columns and the order a first click on each asks for.
SORTABLE = {"time": "-time", "user": "user", "action": "action"}


@dataclass(frozen=True)
class SortHeader:
    """A sortable column heading: how it is sorted now ("" if not) and where a click goes."""

    aria_sort: str
    next_sort: str


def sort_headers(current: str) -> dict[str, SortHeader]:
    headers = {}
    for key, first in SORTABLE.items():
        if current.lstrip("-") != key:
            headers[key] = SortHeader("", first)
        elif current.startswith("-"):
            headers[key] = SortHeader("descending", key)
        else:
            headers[key] = SortHeader("ascending", f"-{key}")
    return headers


@privacy_officer_required
@require_safe
def audit_report(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    context: dict[str, object] = {"form": form, "page": None}
    if form.is_valid():
        filters = form.filters()
        entries = reports.filtered(report_scope(request.user), filters)
        # Fetched before this visit is recorded, so the page shows the trail as it was.
        page = reports.keyset_page(
            entries,
            reports.SORTS.get(filters.sort, reports.SORTS[reports.DEFAULT_SORT]),
            after=form.cleaned_data.get("after"),
            before=form.cleaned_data.get("before"),
        )
        where = form.cleaned_data.get("after") or form.cleaned_data.get("before")
        audit_record(
            action=Action.READ,
            request=request,
            patient_id=filters.patient_id,
            category=Category.AUDIT,
            detail="audit report page" + (f" next to entry {where}" if where else " 1"),
        )
        context.update(page=page, headers=sort_headers(filters.sort))
    return render(request, "audit/report.html", context)


@privacy_officer_required
@require_safe
@reauthentication_required
def audit_export(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """The report as CSV, streamed, with the SHA-256 of the body in a header."""
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "audit/report.html", {"form": form, "page": None}, status=400)
    filters = form.filters()
    prepared = export.prepare(reports.filtered(report_scope(request.user), filters))
    audit_record(
        action=Action.EXPORT,
        request=request,
        patient_id=filters.patient_id,
        category=Category.AUDIT,
        detail=f"audit report CSV, {len(prepared.order)} entries, sha256 {prepared.sha256}",
    )
    response = StreamingHttpResponse(prepared.chunks(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{EXPORT_FILENAME}"'
    response["Content-Length"] = str(prepared.size)
    response[DIGEST_HEADER] = prepared.sha256
    return response
