"""Safe-contact preferences: whether, how and when the clinic may reach the patient."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from lantern.accounts.access import AuthenticatedHttpRequest
from lantern.accounts.chart_access import Section
from lantern.audit.models import Category
from lantern.core.http import require_safe_or_POST
from lantern.patients import contact_windows, services
from lantern.patients.access import care_staff_required, patient_for
from lantern.patients.choices import ContactChannelKind
from lantern.patients.forms import ContactChannelForm, ContactPlanForm, TimeWindowFormSet
from lantern.patients.models import ContactChannel, ContactPlan


@care_staff_required
@require_safe_or_POST
def contact_plan_edit(request: AuthenticatedHttpRequest, patient_id: UUID) -> HttpResponse:
    patient = patient_for(
        request, patient_id, read=Category.CONTACT, write=True, section=Section.CONTACT_PLAN
    ).patient
    plan = ContactPlan.objects.filter(patient=patient).first()
    initial = {}
    if plan is not None:
        initial = {
            "do_not_contact": plan.do_not_contact,
            "notes": plan.notes,
            "confirmed_at": plan.confirmed_at,
        }
    form = ContactPlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.contact_plan_update(actor=request.user, patient=patient, **form.cleaned_data)
        messages.success(request, _("Contact preferences saved."))
        return redirect("patients:detail", patient_id=patient.pk)
    return render(request, "patients/contact_plan.html", {"form": form, "patient": patient})


@care_staff_required
@require_safe_or_POST
def contact_channel_edit(
    request: AuthenticatedHttpRequest, patient_id: UUID, channel: str
) -> HttpResponse:
    if channel not in ContactChannelKind.values:
        raise Http404
    kind = ContactChannelKind(channel)
    patient = patient_for(
        request, patient_id, read=Category.CONTACT, write=True, section=Section.CONTACT_PLAN
    ).patient
    record = ContactChannel.objects.filter(patient=patient, channel=kind).first()
    initial: dict[str, object] = {}
    window_rows: list[dict[str, object]] = []
    if record is not None:
        initial = {
            name: getattr(record, name)
            for name in (
                "safety",
                "destination",
                "voicemail_allowed",
                "code_word",
                "approved_wording",
                "confirmed_at",
            )
        }
        window_rows = list(contact_windows.rows_from_windows(record.time_windows))
    form = ContactChannelForm(request.POST or None, initial=initial or {"safety": "unknown"})
    windows = TimeWindowFormSet(request.POST or None, initial=window_rows, prefix="window")
    if request.method == "POST" and form.is_valid() and windows.is_valid():
        values = dict(form.cleaned_data)
        values["time_windows"] = contact_windows.windows_from_rows(windows.cleaned_data)
        services.contact_channel_update(
            actor=request.user, patient=patient, channel=kind, values=values
        )
        messages.success(request, _("Contact preferences saved."))
        return redirect("patients:detail", patient_id=patient.pk)
    return render(
        request,
        "patients/contact_channel.html",
        {
            "form": form,
            "windows": windows,
            "patient": patient,
            "channel": kind,
        },
    )
