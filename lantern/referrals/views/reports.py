"""Referral counts for program managers (de-identified), and a clinic's referral settings."""

from __future__ import annotations

from collections import Counter
from uuid import UUID

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from lantern.accounts.access import AuthenticatedHttpRequest, role_required
from lantern.accounts.models import Role
from lantern.audit.models import Action
from lantern.audit.services import audit_record
from lantern.core.http import require_safe, require_safe_or_POST
from lantern.referrals import taxonomy
from lantern.referrals.models import Attribute, Referral, ReferralSettings, ReferralStatus
from lantern.referrals.referral_forms import SettingsForm

# Counts below this are shown only as "fewer than": a small count can point at a person.
SMALLEST_SHOWN = 11


def shown(count: int) -> str:
    if 0 < count < SMALLEST_SHOWN:
        return _("fewer than %(n)s") % {"n": SMALLEST_SHOWN}
    return str(count)


def _need_counts(referrals: list[tuple[str, UUID]]) -> Counter[str]:
    """How many referrals went to a service meeting each need (a service may meet several)."""
    labels = {term.id: str(term.label) for term in taxonomy.NEEDS}
    per_service = Counter(service for _referral, service in referrals)
    needs: Counter[str] = Counter()
    found = Attribute.objects.filter(
        linked_type="service",
        link_id__in=list(per_service),
        taxonomy_term__hsds_id__in=list(labels),
    ).values_list("link_id", "taxonomy_term__hsds_id")
    for service, term in found:
        needs[labels[term]] += per_service[service]
    return needs


@role_required(Role.PROGRAM_MANAGER)
@require_safe
def referral_counts(request: AuthenticatedHttpRequest) -> HttpResponse:
    """How many referrals, by status and by need, at the manager's clinics: no names, no
    patients, small counts suppressed."""
    rows = list(
        Referral.objects.filter(clinic__in=request.user.clinics.all()).values_list(
            "status", "service__hsds_id"
        )
    )
    statuses = Counter(status for status, _service in rows)
    needs = _need_counts(rows)
    audit_record(action=Action.READ, request=request, detail="de-identified referral counts")
    context = {
        "total": shown(len(rows)),
        "by_status": [(label, shown(statuses[code])) for code, label in ReferralStatus.choices],
        "by_need": [(label, shown(count)) for label, count in sorted(needs.items())],
        "smallest": SMALLEST_SHOWN,
    }
    return render(request, "referrals/counts.html", context)


@role_required(Role.ADMINISTRATOR)
@require_safe_or_POST
def referral_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    """How long a partner's link stays valid, and how long to wait for an answer."""
    clinic = request.user.clinics.order_by("name").first()
    if clinic is None:
        return render(request, "referrals/settings.html", {"form": None, "clinic": None})
    instance = ReferralSettings.for_clinic(clinic.pk)
    form = SettingsForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        audit_record(
            action=Action.UPDATE,
            request=request,
            obj=saved,
            detail=f"referral settings: link {saved.link_days} days, answer {saved.answer_days}",
        )
        messages.success(request, _("Referral settings saved."))
        return redirect("referrals:settings")
    return render(request, "referrals/settings.html", {"form": form, "clinic": clinic})
