"""Program reports for program managers: de-identified, small counts withheld, read-only.

A program manager sees the clinics of their own health system, together or one at a time;
everyone else is refused (and the refusal audited). Every page view is audited as a read,
every download as an export with its SHA-256. Downloads need the password and second factor
again (step-up), like every export from Lantern.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lantern.accounts.access import AuthenticatedHttpRequest, role_required
from lantern.accounts.models import Clinic, Role
from lantern.accounts.reauth import reauthentication_required
from lantern.audit.models import Action
from lantern.audit.services import audit_record
from lantern.core.http import require_safe
from lantern.reports import charts, exports, figures, services
from lantern.reports.forms import ExportForm, ReportFilterForm
from lantern.reports.models import ReportSnapshot
from lantern.reports.tables import Scope, Table, report_tables

DIGEST_HEADER = "X-Content-SHA256"
managers_only = role_required(Role.PROGRAM_MANAGER)


@dataclass(frozen=True)
class Report:
    form: ReportFilterForm
    snapshot: ReportSnapshot | None
    scope: Scope | None

    @property
    def where(self) -> str:
        if self.scope is None or self.scope.clinic is None:
            return _("All clinics of the health system")
        return self.scope.clinic.name


def _report(request: AuthenticatedHttpRequest, form_class: type[ReportFilterForm]) -> Report:
    """The filters as typed, and, when they are valid, the figures they choose."""
    clinics = list(Clinic.objects.filter(health_system=request.user.health_system_id))
    form = form_class(request.GET, clinics=clinics, this_month=figures.month_of(timezone.now()))
    if not form.is_valid() or request.user.health_system is None:
        return Report(form, None, None)
    snapshot = ReportSnapshot.objects.filter(health_system=request.user.health_system_id).first()
    if snapshot is None:  # never counted yet: count now, once
        snapshot = services.reports_refresh(health_system=request.user.health_system)
    shown = set(snapshot.clinics)
    ordered = [clinic for clinic in sorted(clinics, key=lambda c: c.name) if clinic.pk in shown]
    months = [month for month in form.months if month in set(snapshot.months)]
    return Report(form, snapshot, Scope(snapshot, ordered, form.chosen_clinic, months))


def _filters_detail(report: Report) -> str:
    data = report.form.cleaned_data
    clinic = report.scope.clinic.pk if report.scope and report.scope.clinic else "all"
    return f"clinic {clinic}, months {data.get('start')} to {data.get('end')}"


@managers_only
@require_safe
def report(request: AuthenticatedHttpRequest) -> HttpResponse:
    found = _report(request, ReportFilterForm)
    context: dict[str, object] = {"report": found, "form": found.form, "sections": []}
    if found.scope is not None:
        tables = report_tables(found.scope)
        context["sections"] = [(table, charts.chart_for(table)) for table in tables]
        context["query"] = request.GET.urlencode()
        audit_record(
            action=Action.READ,
            request=request,
            detail=f"program report: {_filters_detail(found)}",
        )
    return render(request, "reports/report.html", context)


def _export(found: Report) -> exports.Export:
    if found.scope is None:
        raise ValueError("an export needs valid filters")
    tables: list[Table] = report_tables(found.scope)
    if found.form.cleaned_data["format"] == "xlsx":
        return exports.to_xlsx(tables, found.where, found.scope.snapshot.refreshed_at)
    return exports.to_csv(tables, found.where)


@managers_only
@require_safe
@reauthentication_required
def export(request: AuthenticatedHttpRequest) -> HttpResponse:
    """What the download will hold, and its SHA-256, before it is downloaded."""
    found = _report(request, ExportForm)
    if found.scope is None:
        return render(
            request, "reports/report.html", {"form": found.form, "report": found}, status=400
        )
    made = _export(found)
    query = request.GET.copy()
    query["sha256"] = made.sha256
    context = {"report": found, "export": made, "download": query.urlencode()}
    return render(request, "reports/export.html", context)


@managers_only
@require_safe
@reauthentication_required
def download(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """The file itself, audited as an export with its digest."""
    found = _report(request, ExportForm)
    if found.scope is None:
        return render(
            request, "reports/report.html", {"form": found.form, "report": found}, status=400
        )
    made = _export(found)
    expected = request.GET.get("sha256", "")
    if expected and expected != made.sha256:
        # Refreshed since the digest was shown: show the new one rather than a file that
        # does not match what the person was told.
        messages.warning(request, _("The figures were refreshed since; here is the new digest."))
        query = request.GET.copy()
        query.pop("sha256", None)
        return redirect(reverse("reports:export") + "?" + query.urlencode())
    audit_record(
        action=Action.EXPORT,
        request=request,
        detail=(
            f"program report {made.format}, {made.rows} figures, {_filters_detail(found)}, "
            f"sha256 {made.sha256}"
        ),
    )
    response = HttpResponse(made.data, content_type=made.content_type)
    response["Content-Disposition"] = f'attachment; filename="{made.filename}"'
    response[DIGEST_HEADER] = made.sha256
    return response
