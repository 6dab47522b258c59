"""Staff see every decision about contacting a patient, with its reason; a clinic's
administrator or clinical lead sets the clinic's reminder rules."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from lantern.accounts.access import AuthenticatedHttpRequest, audit_refusal, refused_as_not_found
from lantern.accounts.models import Clinic, User
from lantern.audit.models import Category
from lantern.core.http import require_safe, require_safe_or_POST
from lantern.messaging import services
from lantern.messaging.forms import ReminderRulesForm
from lantern.messaging.models import ContactDecision
from lantern.patients.access import care_staff_required, patient_for

PAGE_SIZE = 50
View = Callable[..., HttpResponseBase]


@login_required
@care_staff_required
@require_safe
def contact_decisions(request: AuthenticatedHttpRequest, patient_id: UUID) -> HttpResponse:
    """Reminders sent, scheduled and withheld, and why, newest first (care team only: like
    the safe-contact details, they are not shown under emergency access)."""
    patient, _can_write = patient_for(request, patient_id, read=Category.CONTACT, write=True)
    decisions = ContactDecision.objects.filter(patient=patient).select_related("message")
    page = Paginator(decisions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "messaging/contact_decisions.html", {"patient": patient, "page": page})


def rules_staff_required(view: View) -> View:
    """An administrator or a clinician marked clinical lead; others 403, audited."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not isinstance(user, User) or not user.leads_protocols:
            audit_refusal(request, f"may not set reminder rules: {request.path_info[:150]}")
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@rules_staff_required
@require_safe
def reminder_rules_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The reminder rules of each of the user's clinics."""
    clinics = [
        (clinic, services.reminder_rules_for(clinic))
        for clinic in request.user.clinics.order_by("name")
    ]
    return render(request, "messaging/reminder_rules_list.html", {"clinics": clinics})


@rules_staff_required
@require_safe_or_POST
def reminder_rules_edit(request: AuthenticatedHttpRequest, clinic_id: int) -> HttpResponse:
    """See and change one clinic's rules; a clinic the user does not work at is not found."""
    clinic = request.user.clinics.filter(pk=clinic_id).first()
    if not isinstance(clinic, Clinic):
        raise refused_as_not_found(request, "reminder rules of another clinic")
    rules = services.reminder_rules_for(clinic)
    initial = {"reconfirm_days": rules.reconfirm_days, "require_code_word": rules.require_code_word}
    form = ReminderRulesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.reminder_rules_set(actor=request.user, clinic=clinic, **form.cleaned_data)
        messages.success(request, _("Reminder rules saved."))
        return redirect("messaging:reminder_rules_list")
    return render(request, "messaging/reminder_rules.html", {"clinic": clinic, "form": form})
