"""A patient's referrals: start one, choose what is shared, consent, send, follow it.

Care staff on the patient's care team start referrals and read them; only advocates and
social workers act on them (``owner_required``). Every page shown is a read of the
patient's record, audited once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from lantern.accounts.access import AuthenticatedHttpRequest, refused_as_not_found, role_required
from lantern.accounts.chart_access import Section
from lantern.audit.models import Category
from lantern.audit.services import audit_read_shown
from lantern.core.http import require_safe, require_safe_or_POST
from lantern.encounters import services as visit_services
from lantern.encounters.views.page import refusal_message
from lantern.patients.access import care_staff_required, patient_for
from lantern.patients.models import Patient
from lantern.referrals import careplan_links, partner, referring, sharing
from lantern.referrals.models import Referral, ReferralOrigin, Service
from lantern.referrals.referral_forms import (
    HandoffForm,
    ReferralConsentForm,
    ShareForm,
    StartForm,
    StatusForm,
)

owner_required = role_required(*referring.OWNER_ROLES)
SHOWN_SERVICES = 25


def referral_for(
    request: AuthenticatedHttpRequest, patient: Patient, referral_id: UUID
) -> Referral:
    """The patient's referral, or 404 (audited) for anyone else's or none at all."""
    found = (
        Referral.objects.filter(pk=referral_id, patient=patient)
        .select_related("service__organization", "owner", "clinic")
        .first()
    )
    if found is None:
        raise refused_as_not_found(request, "referral of another patient", patient.pk)
    return found


def _origin(request: AuthenticatedHttpRequest, patient: Patient) -> dict[str, Any]:
    """Where the referral starts from, as given in the address: only the patient's own."""
    source = request.GET if request.method != "POST" else request.POST
    values: dict[str, Any] = {"origin": ReferralOrigin.CHART}
    visit, result = source.get("visit", ""), source.get("result", "")
    activity = source.get("activity", "")
    if activity.isdigit():
        started_from = careplan_links.activity_for_start(patient, int(activity))
        if started_from is not None:
            values.update(origin=ReferralOrigin.CARE_PLAN, activity_id=started_from.pk)
            values["activity"] = started_from
    elif visit.isdigit():
        values["encounter"] = patient.encounters.filter(pk=int(visit)).first()
        values["origin"] = ReferralOrigin.VISIT if values["encounter"] else ReferralOrigin.CHART
    elif result.isdigit():
        found = patient.screening_results.filter(pk=int(result)).first()
        if found is not None:
            values.update(origin=ReferralOrigin.SCREENING, screening_result=found)
    return values


def _services(request: AuthenticatedHttpRequest) -> list[Service]:
    words = request.GET.get("q", "").strip()[:100]
    found = Service.objects.active().filter(health_system=request.user.health_system_id)
    if words:
        found = found.filter(Q(name__icontains=words) | Q(organization__name__icontains=words))
    return list(found.select_related("organization").order_by("name", "pk")[:SHOWN_SERVICES])


@care_staff_required
@require_safe_or_POST
def referral_start(request: AuthenticatedHttpRequest, patient_id: UUID) -> HttpResponse:
    """Pick an active service of the directory; the draft carries only the default items."""
    patient = patient_for(
        request, patient_id, write=True, read=Category.SENSITIVE, section=Section.REFERRALS
    ).patient
    origin = _origin(request, patient)
    form = StartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        service = (
            Service.objects.in_directory(request.user.health_system_id)
            .filter(hsds_id=form.cleaned_data["service"])
            .first()
        )
        clinic = patient.clinics.filter(pk__in=request.user.clinics.all()).first()
        if service is None or clinic is None:
            form.add_error(None, _("Choose a service of your directory."))
        else:
            try:
                started = {name: value for name, value in origin.items() if name != "activity"}
                referral = referring.referral_start(
                    actor=request.user, patient=patient, clinic=clinic, service=service, **started
                )
            except referring.ReferralError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Referral started as a draft."))
                return redirect(
                    "referrals:referral", patient_id=patient.pk, referral_id=referral.pk
                )
    context = {
        "patient": patient,
        "form": form,
        "services": _services(request),
        "q": request.GET.get("q", ""),
        "origin": origin,
        "origin_label": ReferralOrigin(origin["origin"]).label,
    }
    return render(request, "referrals/referral_start.html", context)


def _page(
    request: AuthenticatedHttpRequest, patient: Patient, referral: Referral, **forms: Any
) -> HttpResponse:
    """The referral page (again, with a form that failed and what was typed)."""
    audit_read_shown(
        request=request, patient_id=patient.pk, obj=referral, category=Category.SENSITIVE
    )
    decision = referring.consent_now(referral)
    consented = referring.consent_items(decision.record_id) if decision.allowed else []
    labels = dict(sharing.ShareItem.choices)
    context: dict[str, Any] = {
        "patient": patient,
        "referral": referral,
        "may_own": referring.may_own(request.user),
        "recipient": referring.recipient_of(referral.service),
        "decision": decision,
        "covered": [labels[i] for i in sharing.covered_by(consented)] if decision.allowed else [],
        "shared_labels": [labels[item] for item in referral.shared_items],
        "changes": referral.changes.select_related("actor"),
        "handoff_notes": referral.handoff_notes.select_related("written_by"),
        "share_form": ShareForm(
            initial={"items": referral.shared_items, "message": referral.message}
        ),
        "consent_form": ReferralConsentForm(initial={"items": referral.shared_items}),
        "handoff_form": HandoffForm(),
        "status_form": StatusForm(),
        "issued": None,
    }
    context.update(forms)
    return render(request, "referrals/referral.html", context)


@care_staff_required
@require_safe
def referral_detail(
    request: AuthenticatedHttpRequest, patient_id: UUID, referral_id: UUID
) -> HttpResponse:
    patient = patient_for(request, patient_id, section=Section.REFERRALS).patient
    return _page(request, patient, referral_for(request, patient, referral_id))


def _owner_post(
    request: AuthenticatedHttpRequest, patient_id: UUID, referral_id: UUID
) -> tuple[Patient, Referral] | HttpResponse:
    patient = patient_for(request, patient_id, write=True, section=Section.REFERRALS).patient
    referral = referral_for(request, patient, referral_id)
    if request.method != "POST":  # the address reloaded, or its language changed
        return redirect("referrals:referral", patient_id=patient.pk, referral_id=referral.pk)
    return patient, referral


def _back(referral: Referral) -> HttpResponse:
    return redirect("referrals:referral", patient_id=referral.patient_id, referral_id=referral.pk)


def _owner_form(
    request: AuthenticatedHttpRequest,
    patient_id: UUID,
    referral_id: UUID,
    *,
    form_class: type[forms.Form],
    save: Callable[..., object],
    done: str,
    form_name: str,
    errors: tuple[type[Exception], ...] = (referring.ReferralError,),
) -> HttpResponse:
    """One owner's form on the referral page: validate, call its service, come back to the
    page; on any error the page shows again with what was typed and the reason."""
    found = _owner_post(request, patient_id, referral_id)
    if isinstance(found, HttpResponse):
        return found
    patient, referral = found
    form = form_class(request.POST)
    if form.is_valid():
        try:
            save(actor=request.user, referral=referral, **form.cleaned_data)
        except errors as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, done)
            return _back(referral)
    return _page(request, patient, referral, **{form_name: form})


@owner_required
@require_safe_or_POST
def referral_share(
    request: AuthenticatedHttpRequest, patient_id: UUID, referral_id: UUID
) -> HttpResponse:
    return _owner_form(
        request,
        patient_id,
        referral_id,
        form_class=ShareForm,
        save=referring.referral_share_set,
        done=_("What the referral shares was saved."),
        form_name="share_form",
    )


@owner_required
@require_safe_or_POST
def referral_consent(
    request: AuthenticatedHttpRequest, patient_id: UUID, referral_id: UUID
) -> HttpResponse:
    return _owner_form(
        request,
        patient_id,
        referral_id,
        form_class=ReferralConsentForm,
        save=referring.referral_consent_record,
        done=_("The patient's decision was recorded."),
        form_name="consent_form",
        errors=(referring.ReferralError, visit_services.VisitError),
    )


@owner_required
@require_safe_or_POST
def referral_send(
    request: AuthenticatedHttpRequest, patient_id: UUID, referral_id: UUID
) -> HttpResponse:
    """Send the draft; the partner's link and phone code are shown this once."""
    found = _owner_post(request, patient_id, referral_id)
    if isinstance(found, HttpResponse):
        return found
    patient, referral = found
    try:
        issued = referring.referral_send(actor=request.user, referral=referral)
    except visit_services.VisitError as error:
        messages.error(request, refusal_message(error))
        return _page(request, patient, referral)
    except referring.ReferralError as error:
        messages.error(request, str(error))
        return _page(request, patient, referral)
    referral.refresh_from_db()
    messages.success(request, _("Referral sent. Give the partner its link and read the code."))
    return _page(request, patient, referral, issued=_issued(request, issued))


def _issued(request: AuthenticatedHttpRequest, issued: partner.IssuedLink) -> dict[str, Any]:
    from django.urls import reverse

    address = request.build_absolute_uri(reverse("referrals:partner", args=[issued.token]))
    return {"address": address, "code": issued.code, "expires_at": issued.expires_at}


@owner_required
@require_safe_or_POST
def referral_link(
    request: AuthenticatedHttpRequest, patient_id: UUID, referral_id: UUID
) -> HttpResponse:
    """A new link for the partner's next answer (the earlier one stops working)."""
    found = _owner_post(request, patient_id, referral_id)
    if isinstance(found, HttpResponse):
        return found
    patient, referral = found
    if referral.is_draft or referral.is_closed:
        messages.error(request, _("Only a sent referral that is still open gets a partner link."))
        return _page(request, patient, referral)
    issued = partner.partner_link_issue(actor=request.user, referral=referral)
    return _page(request, patient, referral, issued=_issued(request, issued))


@owner_required
@require_safe_or_POST
def referral_status(
    request: AuthenticatedHttpRequest, patient_id: UUID, referral_id: UUID
) -> HttpResponse:
    return _owner_form(
        request,
        patient_id,
        referral_id,
        form_class=StatusForm,
        save=referring.referral_status_set,
        done=_("Status recorded."),
        form_name="status_form",
    )


@owner_required
@require_safe_or_POST
def referral_handoff(
    request: AuthenticatedHttpRequest, patient_id: UUID, referral_id: UUID
) -> HttpResponse:
    return _owner_form(
        request,
        patient_id,
        referral_id,
        form_class=HandoffForm,
        save=referring.handoff_note_add,
        done=_("Hand-off note kept."),
        form_name="handoff_form",
    )
