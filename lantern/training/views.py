"""Training pages: the modules and one's own status, taking a module, and the status of a
clinic's staff for program managers; the gate screening views ask before they run."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from lantern.accounts.access import (
    AuthenticatedHttpRequest,
    audit_refusal,
    refused_as_not_found,
    role_required,
)
from lantern.accounts.models import Clinic, Role, User
from lantern.core.http import require_safe, require_safe_or_POST
from lantern.training import catalogue, services, status
from lantern.training.forms import KnowledgeCheckForm
from lantern.training.models import DEFAULT_VALID_MONTHS

# Who sees a clinic's training status.
STATUS_READERS = (Role.PROGRAM_MANAGER, Role.ADMINISTRATOR)


def _language() -> str:
    return (get_language() or "en")[:2]


@login_required
@require_safe
def training_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    months = status.valid_months_for(user)
    return render(
        request,
        "training/list.html",
        {
            "rows": status.statuses(user, months),
            "valid_months": months,
            "language": _language(),
        },
    )


@login_required
@require_safe_or_POST
def training_module(request: AuthenticatedHttpRequest, module_id: str) -> HttpResponse:
    module = catalogue.get_module(module_id)
    if module is None:
        raise refused_as_not_found(request, "no such training module")
    language = _language()
    form = KnowledgeCheckForm(request.POST or None, module=module, language=language)
    if request.method == "POST" and form.is_valid():
        outcome = services.attestation_record(
            actor=request.user, module=module, answers=form.answers()
        )
        if outcome.attestation is not None:
            messages.success(
                request,
                _("Thank you. Your attestation of “%(title)s” is recorded.")
                % {"title": catalogue.text_in(module.title, language)},
            )
            return redirect("training:list")
        for question in outcome.wrong:
            form.add_error(
                f"q-{question.id}", _("Not quite. Read the module again and choose again.")
            )
    return render(
        request,
        "training/module.html",
        {"module": module, "form": form, "language": language},
    )


def status_clinics(user: User) -> list[Clinic]:
    if user.health_system_id is None:
        return list(user.clinics.all())
    return list(Clinic.objects.filter(health_system=user.health_system_id))


@role_required(*STATUS_READERS)
@require_safe
def training_status(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Per clinic: each care staff member's modules, current or what is due. A constant
    number of queries, whatever the number of clinics, staff and modules."""
    clinics = status_clinics(request.user)
    return render(
        request,
        "training/status.html",
        {"clinics": clinic_training_rows(clinics), "modules": catalogue.modules()},
    )


def clinic_training_rows(clinics: Iterable[Clinic]) -> list[dict[str, object]]:
    clinics = list(clinics)
    staff = list(
        User.objects.care_staff()
        .filter(clinics__in=clinics)
        .distinct()
        .order_by("display_name")
        .prefetch_related(Prefetch("clinics", Clinic.objects.only("pk")))
    )
    latest = status.latest_attestations(staff)
    found = status.policies(clinics)
    rows = []
    for clinic in clinics:
        policy = found.get(clinic.pk)
        months = policy.valid_months if policy else DEFAULT_VALID_MONTHS
        members = [m for m in staff if any(c.pk == clinic.pk for c in m.clinics.all())]
        people = [(m, status.statuses(m, months, latest)) for m in members]
        rows.append(
            {
                "clinic": clinic,
                "required": bool(policy and policy.required_for_screening),
                "valid_months": months,
                "people": people,
                "complete": sum(all(s.current for s in row) for _m, row in people),
            }
        )
    return rows


def screening_gate_refusal(
    request: AuthenticatedHttpRequest, patient_clinics: Iterable[Clinic]
) -> HttpResponse | None:
    """None if ``request.user`` may run a screening for a patient of ``patient_clinics``;
    otherwise the page (403, audited) that says which modules to complete first."""
    gate = status.screening_gate(request.user, patient_clinics)
    if gate.open:
        return None
    audit_refusal(request, "training not current: " + ", ".join(s.module.id for s in gate.missing))
    return render(
        request,
        "training/required.html",
        {"gate": gate, "language": _language()},
        status=403,
    )
