"""A clinic's clinical lead adapts a follow-up protocol: copy, edit, diff, dry-run, publish.

Open to clinicians marked clinical lead and to administrators (others get 403 and a denied
entry); a copy of another clinic answers 404, audited.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lantern.accounts.access import AuthenticatedHttpRequest, audit_refusal, refused_as_not_found
from lantern.accounts.models import Clinic, User
from lantern.careplans import adaptation_services, protocols
from lantern.careplans.clinic_protocols import stored_protocol
from lantern.careplans.forms import DryRunForm, ProtocolCopyForm, ProtocolEditForm
from lantern.careplans.models import ClinicProtocol, ProtocolStatus
from lantern.careplans.services import CarePlanError
from lantern.core.http import require_safe, require_safe_or_POST

View = Callable[..., HttpResponseBase]
EXAMPLE_FACTS = {
    "assessed_at": "2026-03-09T10:00:00-04:00",
    "exposure_at": "2026-03-08T22:00:00-04:00",
    "exposure_approximate": False,
    "age_years": 24,
    "sex_at_birth": "female",
    "pregnant": False,
    "hiv_status": "negative",
    "hiv_test_generation": 4,
    "npep_started_at": None,
    "ec_given": False,
    "prophylaxis_given": False,
    "hbv_immune": None,
    "hbv_vaccine_doses": 0,
    "hpv_vaccine_doses": 0,
    "chronic_conditions": [],
    "positive_screens": [],
    "sti_signs": [],
}


def clinical_lead_required(view: View) -> View:
    """A clinician marked clinical lead, or an administrator; others 403, audited."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not isinstance(user, User) or not user.leads_protocols:
            audit_refusal(request, f"not a clinical lead: {request.path_info[:150]}")
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


class CopyForm(ProtocolCopyForm):
    clinic = forms.ModelChoiceField(
        label=gettext_lazy("For clinic"), queryset=Clinic.objects.none()
    )
    source = forms.ChoiceField(label=gettext_lazy("Copy of"))
    version = forms.RegexField(
        label=gettext_lazy("Version"), regex=r"^\d+\.\d+\.\d+$", initial="1.0.0", max_length=20
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "copy-%s")
        super().__init__(*args, **kwargs)
        self.fields["clinic"].queryset = user.clinics.all()  # type: ignore[attr-defined]
        choices = [
            (f"shipped:{p.id}", f"{p.title} ({p.ref})") for p in protocols.all_protocols().values()
        ]
        choices += [
            (f"clinic:{record.pk}", f"{record.protocol_id} {record.version} ({record.clinic})")
            for record in _copies_for(user)
        ]
        self.fields["source"].choices = choices  # type: ignore[attr-defined]


def _copies_for(user: User) -> QuerySet[ClinicProtocol]:
    return ClinicProtocol.objects.filter(clinic__in=user.clinics.all()).select_related("clinic")


def _record_for(request: AuthenticatedHttpRequest, record_id: int) -> ClinicProtocol:
    record = _copies_for(request.user).filter(pk=record_id).first()
    if record is None:
        raise refused_as_not_found(request, "protocol copy of another clinic")
    return record


def _source(request: AuthenticatedHttpRequest, value: str) -> protocols.Protocol:
    kind, _sep, key = value.partition(":")
    if kind == "shipped":
        return protocols.get_protocol(key)
    return stored_protocol(_record_for(request, int(key)))


@clinical_lead_required
@require_safe
def protocol_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _list_page(request, CopyForm(user=request.user))


def _list_page(request: AuthenticatedHttpRequest, form: CopyForm) -> HttpResponse:
    return render(
        request,
        "careplans/protocols.html",
        {
            "shipped": list(protocols.all_protocols().values()),
            "copies": _copies_for(request.user).order_by(
                "clinic__name", "protocol_id", "-created_at"
            ),
            "form": form,
        },
    )


@clinical_lead_required
@require_safe_or_POST
def protocol_copy(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method != "POST":
        return redirect("careplans:protocols")
    form = CopyForm(request.POST, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            record = adaptation_services.clinic_protocol_copy(
                actor=request.user,
                clinic=data["clinic"],
                source=_source(request, data["source"]),
                new_id=data["new_id"],
                version=data["version"],
            )
        except CarePlanError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Copy made. Edit it, check the changes, then publish."))
            return redirect("careplans:protocol_edit", record_id=record.pk)
    return _list_page(request, form)


def _edit_page(
    request: AuthenticatedHttpRequest,
    record: ClinicProtocol,
    *,
    form: ProtocolEditForm | None = None,
    problems: tuple[tuple[str, str], ...] = (),
    dry_run: DryRunForm | None = None,
    result: str = "",
    result_problems: tuple[tuple[str, str], ...] = (),
) -> HttpResponse:
    current = stored_protocol(record)
    original = adaptation_services.original_of(record)
    changes = protocols.diff_protocols(original, current) if original is not None else ()
    text = json.dumps(record.data, indent=2, ensure_ascii=False)
    return render(
        request,
        "careplans/protocol_edit.html",
        {
            "record": record,
            "protocol": current,
            "original": original,
            "changes": changes,
            "form": form or ProtocolEditForm(initial={"protocol": text}),
            "problems": problems,
            "dry_run": dry_run
            or DryRunForm(initial={"facts": json.dumps(EXAMPLE_FACTS, indent=2)}),
            "result": result,
            "result_problems": result_problems,
            "is_draft": record.status == ProtocolStatus.DRAFT,
        },
    )


@clinical_lead_required
@require_safe_or_POST
def protocol_edit(request: AuthenticatedHttpRequest, record_id: int) -> HttpResponse:
    record = _record_for(request, record_id)
    if request.method != "POST":
        return _edit_page(request, record)
    form = ProtocolEditForm(request.POST)
    if not form.is_valid():
        return _edit_page(request, record, form=form)
    try:
        adaptation_services.clinic_protocol_update(
            actor=request.user, record=record, data=form.cleaned_data["protocol"]
        )
    except protocols.ProtocolFileError as error:
        return _edit_page(request, record, form=form, problems=error.problems)
    except CarePlanError as error:
        form.add_error(None, str(error))
        return _edit_page(request, record, form=form)
    messages.success(request, _("Draft saved."))
    return redirect("careplans:protocol_edit", record_id=record.pk)


@clinical_lead_required
@require_safe_or_POST
def protocol_dry_run(request: AuthenticatedHttpRequest, record_id: int) -> HttpResponse:
    """Plan the protocol for the facts given; nothing is stored."""
    record = _record_for(request, record_id)
    if request.method != "POST":
        return redirect("careplans:protocol_edit", record_id=record.pk)
    form = DryRunForm(request.POST)
    if not form.is_valid():
        return _edit_page(request, record, dry_run=form)
    try:
        facts = protocols.parse_facts(form.cleaned_data["facts"])
    except protocols.FactsError as error:
        return _edit_page(request, record, dry_run=form, result_problems=error.problems)
    plan = protocols.plan(stored_protocol(record), facts)
    result = json.dumps(plan.as_dict(), indent=2, ensure_ascii=False)
    return _edit_page(request, record, dry_run=form, result=result)


@clinical_lead_required
@require_safe_or_POST
def protocol_publish(request: AuthenticatedHttpRequest, record_id: int) -> HttpResponse:
    record = _record_for(request, record_id)
    if request.method != "POST":
        return redirect("careplans:protocol_edit", record_id=record.pk)
    try:
        adaptation_services.clinic_protocol_publish(actor=request.user, record=record)
    except CarePlanError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _(
                "Published for %(clinic)s: new care plans there are made with "
                "%(protocol)s %(version)s."
            )
            % {"clinic": record.clinic, "protocol": record.protocol_id, "version": record.version},
        )
    return redirect("careplans:protocol_edit", record_id=record.pk)
