"""Administrators set what each clinic asks: chart grants to advocates and counselors, and
the training rule (how long attestations last, whether screening waits for them)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lantern.accounts import services
from lantern.accounts.access import AuthenticatedHttpRequest, refused_as_not_found, role_required
from lantern.accounts.chart_access import GRANTABLE, GRANTABLE_ROLES, Section
from lantern.accounts.models import ChartGrant, Clinic, Role
from lantern.core.http import require_safe, require_safe_or_POST
from lantern.training import services as training
from lantern.training.forms import TrainingPolicyForm
from lantern.training.models import DEFAULT_VALID_MONTHS, TrainingPolicy

_GRANTABLE_CHOICES = [(s.value, s.label) for s in Section if s in GRANTABLE]
_ROLE_LABELS = dict(Role.choices)


class ClinicSettingsForm(TrainingPolicyForm):
    """Chart grants per role, then the training rule."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        grants: dict[str, forms.Field] = {}
        for role in sorted(GRANTABLE_ROLES):
            grants[f"grants_{role}"] = forms.MultipleChoiceField(
                label=gettext_lazy("%(role)s also see") % {"role": _ROLE_LABELS[role]},
                choices=_GRANTABLE_CHOICES,
                widget=forms.CheckboxSelectMultiple,
                required=False,
            )
        self.fields = {**grants, **self.fields}


def _clinic_for(request: AuthenticatedHttpRequest, clinic_id: int) -> Clinic:
    admin = request.user
    clinic = Clinic.objects.filter(pk=clinic_id, health_system=admin.health_system_id).first()
    if clinic is None or admin.health_system_id is None:
        raise refused_as_not_found(request, "clinic of another organisation")
    return clinic


@role_required(Role.ADMINISTRATOR)
@require_safe
def clinic_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    clinics = Clinic.objects.filter(health_system=request.user.health_system_id).select_related(
        "training_policy"
    )
    return render(request, "accounts/clinic_list.html", {"clinics": clinics})


def _initial(clinic: Clinic) -> dict[str, Any]:
    policy = TrainingPolicy.objects.filter(clinic=clinic).first()
    initial: dict[str, Any] = {
        "required_for_screening": bool(policy and policy.required_for_screening),
        "valid_months": policy.valid_months if policy else DEFAULT_VALID_MONTHS,
    }
    for role in GRANTABLE_ROLES:
        initial[f"grants_{role}"] = list(
            ChartGrant.objects.filter(clinic=clinic, role=role).values_list("section", flat=True)
        )
    return initial


@role_required(Role.ADMINISTRATOR)
@require_safe_or_POST
def clinic_settings(request: AuthenticatedHttpRequest, clinic_id: int) -> HttpResponse:
    clinic = _clinic_for(request, clinic_id)
    form = ClinicSettingsForm(request.POST or None, initial=_initial(clinic))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        for role in GRANTABLE_ROLES:
            services.chart_grants_set(
                actor=request.user, clinic=clinic, role=role, sections=data[f"grants_{role}"]
            )
        training.training_policy_set(
            actor=request.user,
            clinic=clinic,
            required_for_screening=data["required_for_screening"],
            valid_months=data["valid_months"],
        )
        messages.success(request, _("Clinic settings saved."))
        return redirect("accounts:clinic_list")
    return render(request, "accounts/clinic_form.html", {"clinic": clinic, "form": form})
