"""Patient registry pages: search, register, view, edit, aliases, identifiers, care team."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from lantern.accounts.access import AuthenticatedHttpRequest, refused_as_not_found
from lantern.accounts.chart_access import Section
from lantern.accounts.models import EmergencyAccess, StaffQuerySet, User
from lantern.audit.models import Action, Category
from lantern.audit.services import audit_read_shown, audit_record
from lantern.core.http import require_safe, require_safe_or_POST
from lantern.patients import search, services
from lantern.patients.access import care_staff_required, chart_for, patient_for
from lantern.patients.choices import ContactChannelKind
from lantern.patients.forms import (
    AliasFormSet,
    CareTeamAddForm,
    IdentifierForm,
    PatientDetailsForm,
    RegistrationForm,
    RequiredAliasForm,
    SearchForm,
)
from lantern.patients.matching import parse_query
from lantern.patients.models import ContactChannel, ContactPlan, Patient
from lantern.referrals.models import Referral
from lantern.screening import alerts


@care_staff_required
@require_safe_or_POST
def patient_search(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = SearchForm(request.POST or None)
    matches: list[search.Match] = []
    query = ""
    if form.is_valid():
        query = form.cleaned_data["q"]
        parsed = parse_query(query)
        if not parsed.is_empty:
            scope = Patient.objects.visible_to(request.user)
            matches = search.find(scope, parsed)
            # The query itself is never stored: it may hold a name.
            audit_record(
                action=Action.SEARCH,
                request=request,
                category=Category.IDENTITY,
                detail=f"{len(matches)} results",
            )
    context: dict[str, object] = {"form": form, "matches": matches, "query": query}
    if getattr(request, "htmx", False):
        return render(request, "patients/_results.html", context)
    # Care staff start here: urgent flags of their patients wait here until acknowledged.
    context["urgent_alerts"] = alerts.urgent_alerts_across_patients(request, request.user)
    return render(request, "patients/search.html", context)


@care_staff_required
@require_safe_or_POST
def patient_register(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    form = RegistrationForm(request.POST or None, clinics=user.clinics.all())
    aliases = AliasFormSet(request.POST or None, prefix="alias")
    outcome = services.Registration()
    if request.method == "POST" and form.is_valid() and aliases.is_valid():
        data = form.cleaned_data
        outcome = services.registration_submit(
            actor=user,
            clinic=data["clinic"],
            details=services.PatientDetails.from_mapping(data),
            aliases=[(row["name"], row["kind"]) for row in aliases.cleaned_data if row.get("name")],
            mrn=data["mrn"],
            not_a_duplicate=data["not_a_duplicate"],
        )
        if outcome.patient is not None:
            messages.success(request, _("Patient registered."))
            for note in form.set_aside:
                messages.warning(request, note)
            return redirect("patients:detail", patient_id=outcome.patient.pk)
        if outcome.number_refused:
            form.add_error("mrn", outcome.number_refused)
    return render(
        request,
        "patients/register.html",
        {
            "form": form,
            "aliases": aliases,
            "duplicates": outcome.duplicates,
            "hidden_duplicates": outcome.hidden_duplicates,
        },
    )


@care_staff_required
@require_safe
def patient_detail(request: AuthenticatedHttpRequest, patient_id: UUID) -> HttpResponse:
    patient, can_write = patient_for(request, patient_id, read=Category.IDENTITY)
    context = _detail_context(request, patient, can_write=can_write)
    return render(request, "patients/detail.html", context)


def _detail_context(
    request: AuthenticatedHttpRequest, patient: Patient, *, can_write: bool, **forms: object
) -> dict[str, object]:
    user = request.user
    own_clinics = patient.clinics.filter(pk__in=user.clinics.all())
    chart = chart_for(request, patient)
    shows_contact = Section.CONTACT_PLAN in chart
    context: dict[str, object] = {
        "patient": patient,
        "chart": chart,
        "aliases": patient.aliases.all(),
        "identifiers": patient.identifiers.select_related("clinic"),
        "clinics": patient.clinics.all(),
        "care_team": patient.care_team.select_related("user")
        .only(*_CARE_TEAM_SHOWN)
        .order_by("added_at"),
        "contact_plan": ContactPlan.objects.filter(patient=patient).first()
        if shows_contact
        else None,
        "channel_rows": _channel_rows(patient) if shows_contact else [],
        "alias_form": RequiredAliasForm(prefix="new-alias"),
        "identifier_form": IdentifierForm(clinics=own_clinics, prefix="new-id"),
        "care_team_form": CareTeamAddForm(candidates=_care_team_candidates(patient), prefix="team"),
        "minor": patient.is_minor(),
        "emergency_grant": None if can_write else _emergency_grant(user, patient),
        "deferred_screens": patient.screening_sessions.deferred().count(),
        "open_visits": patient.encounters.filter(ended_at__isnull=True).count(),
        "urgent_alerts": alerts.urgent_alerts(user, patient=patient),
        "referrals": (
            Referral.objects.filter(patient=patient)
            .select_related("service")
            .only(*_REFERRAL_SHOWN)
            if Section.REFERRALS in chart
            else []
        ),
        **(_care_plan(patient) if Section.CARE_PLAN in chart else {}),
    }
    context.update(forms)
    return context


# What the chart's lists show of each row: nothing else is read, and no sealed value of a
# referral (its message, recipient and what was sent) is opened for the list.
_CARE_TEAM_SHOWN = ("patient", "added_at", "user__display_name", "user__username", "user__role")
_REFERRAL_SHOWN = ("patient", "status", "status_at", "service__name")


def _care_plan(patient: Patient) -> dict[str, object]:
    # Imported here: the care-plan app builds on the registry, not the other way round.
    from lantern.careplans.chart import chart_summary

    return chart_summary(patient)


def _emergency_grant(user: User, patient: Patient) -> EmergencyAccess | None:
    return EmergencyAccess.objects.active().filter(user=user, patient=patient).first()


def _channel_rows(patient: Patient) -> list[tuple[str, str, ContactChannel | None]]:
    recorded = {record.channel: record for record in patient.contact_channels.all()}
    return [(kind, str(label), recorded.get(kind)) for kind, label in ContactChannelKind.choices]


def _detail_with_errors(
    request: AuthenticatedHttpRequest, patient: Patient, **forms: object
) -> HttpResponse:
    """Re-show the patient page with the form that failed, keeping what was typed."""
    audit_read_shown(
        request=request, patient_id=patient.pk, obj=patient, category=Category.IDENTITY
    )
    context = _detail_context(request, patient, can_write=True, **forms)
    return render(request, "patients/detail.html", context)


def _care_team_candidates(patient: Patient) -> StaffQuerySet:
    return (
        User.objects.care_staff()
        .filter(clinics__in=patient.clinics.all())
        .exclude(care_team_roles__patient=patient)
        .distinct()
        .order_by("display_name")
    )


@care_staff_required
@require_safe_or_POST
def patient_edit(request: AuthenticatedHttpRequest, patient_id: UUID) -> HttpResponse:
    patient = patient_for(request, patient_id, read=Category.IDENTITY, write=True).patient
    initial = {name: getattr(patient, name) for name in PatientDetailsForm.base_fields}
    initial["estimated_age"] = patient.age() if patient.age_is_estimated else None
    form = PatientDetailsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.patient_update(
            actor=request.user,
            patient=patient,
            details=services.PatientDetails.from_mapping(form.cleaned_data),
        )
        messages.success(request, _("Changes saved."))
        for note in form.set_aside:
            messages.warning(request, note)
        return redirect("patients:detail", patient_id=patient.pk)
    return render(request, "patients/edit.html", {"form": form, "patient": patient})


@care_staff_required
@require_safe_or_POST
def alias_add(request: AuthenticatedHttpRequest, patient_id: UUID) -> HttpResponse:
    patient = patient_for(request, patient_id, write=True).patient
    if request.method != "POST":  # the address reloaded, or its language changed
        return redirect("patients:detail", patient_id=patient.pk)
    form = RequiredAliasForm(request.POST, prefix="new-alias")
    if form.is_valid():
        services.alias_add(actor=request.user, patient=patient, **form.cleaned_data)
        messages.success(request, _("Alias added."))
        return redirect("patients:detail", patient_id=patient.pk)
    return _detail_with_errors(request, patient, alias_form=form)


@care_staff_required
@require_safe_or_POST
def alias_remove(
    request: AuthenticatedHttpRequest, patient_id: UUID, alias_id: int
) -> HttpResponse:
    patient = patient_for(request, patient_id, write=True).patient
    if request.method != "POST":  # the address reloaded, or its language changed
        return redirect("patients:detail", patient_id=patient.pk)
    alias = patient.aliases.filter(pk=alias_id).first()
    if alias is None:
        raise refused_as_not_found(request, "alias not of this patient", patient.pk)
    services.alias_remove(actor=request.user, alias=alias)
    messages.success(request, _("Alias removed."))
    return redirect("patients:detail", patient_id=patient.pk)


@care_staff_required
@require_safe_or_POST
def identifier_add(request: AuthenticatedHttpRequest, patient_id: UUID) -> HttpResponse:
    patient = patient_for(request, patient_id, write=True).patient
    if request.method != "POST":  # the address reloaded, or its language changed
        return redirect("patients:detail", patient_id=patient.pk)
    user = request.user
    form = IdentifierForm(
        request.POST, clinics=patient.clinics.filter(pk__in=user.clinics.all()), prefix="new-id"
    )
    if form.is_valid() and not services.identifier_available(actor=user, **form.cleaned_data):
        form.add_error("value", services.number_in_use_message(form.cleaned_data["clinic"]))
    elif form.is_valid():
        try:
            services.identifier_add(actor=user, patient=patient, **form.cleaned_data)
        except services.RegistryError as error:
            form.add_error("value", str(error))
        else:
            messages.success(request, _("Record number added."))
            return redirect("patients:detail", patient_id=patient.pk)
    return _detail_with_errors(request, patient, identifier_form=form)


@care_staff_required
@require_safe_or_POST
def identifier_remove(
    request: AuthenticatedHttpRequest, patient_id: UUID, identifier_id: int
) -> HttpResponse:
    patient = patient_for(request, patient_id, write=True).patient
    if request.method != "POST":  # the address reloaded, or its language changed
        return redirect("patients:detail", patient_id=patient.pk)
    identifier = patient.identifiers.filter(pk=identifier_id).first()
    if identifier is None:
        raise refused_as_not_found(request, "record number not of this patient", patient.pk)
    services.identifier_remove(actor=request.user, identifier=identifier)
    messages.success(request, _("Record number removed."))
    return redirect("patients:detail", patient_id=patient.pk)


@care_staff_required
@require_safe_or_POST
def care_team_add(request: AuthenticatedHttpRequest, patient_id: UUID) -> HttpResponse:
    patient = patient_for(request, patient_id, write=True).patient
    if request.method != "POST":  # the address reloaded, or its language changed
        return redirect("patients:detail", patient_id=patient.pk)
    form = CareTeamAddForm(request.POST, candidates=_care_team_candidates(patient), prefix="team")
    if form.is_valid():
        try:
            services.care_team_add(
                actor=request.user, patient=patient, member=form.cleaned_data["member"]
            )
        except services.RegistryError as error:
            form.add_error("member", str(error))
        else:
            messages.success(request, _("Added to the care team."))
            return redirect("patients:detail", patient_id=patient.pk)
    return _detail_with_errors(request, patient, care_team_form=form)


@care_staff_required
@require_safe_or_POST
def care_team_remove(
    request: AuthenticatedHttpRequest, patient_id: UUID, member_id: int
) -> HttpResponse:
    patient = patient_for(request, patient_id, write=True).patient
    if request.method != "POST":  # the address reloaded, or its language changed
        return redirect("patients:detail", patient_id=patient.pk)
    entry = patient.care_team.filter(pk=member_id).first()
    if entry is None:
        raise refused_as_not_found(request, "care team member not of this patient", patient.pk)
    leaving = entry.user_id == request.user.pk
    try:
        services.care_team_remove(actor=request.user, entry=entry)
    except services.RegistryError as error:
        messages.error(request, str(error))
        return redirect("patients:detail", patient_id=patient.pk)
    messages.success(request, _("Removed from the care team."))
    if leaving:
        return redirect("patients:search")
    return redirect("patients:detail", patient_id=patient.pk)
