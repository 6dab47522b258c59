"""A clinic's choice of positive thresholds, where the literature offers more than one."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from lantern.accounts.access import AuthenticatedHttpRequest, role_required
from lantern.accounts.models import Clinic, Role
from lantern.core.http import require_safe_or_POST
from lantern.screening import instruments
from lantern.screening.forms import ThresholdsForm
from lantern.screening.models import ClinicThreshold
from lantern.screening.services import ScreeningError, thresholds_save


def _configurable() -> list[instruments.Instrument]:
    return [i for i in instruments.all_instruments().values() if len(i.allowed_thresholds) > 1]


@role_required(Role.ADMINISTRATOR)
@require_safe_or_POST
def thresholds(request: AuthenticatedHttpRequest) -> HttpResponse:
    admin = request.user
    clinics = list(Clinic.objects.filter(health_system=admin.health_system_id).order_by("name"))
    current = {
        (t.clinic_id, t.instrument_id): t.threshold
        for t in ClinicThreshold.objects.filter(clinic__in=clinics)
    }
    form = ThresholdsForm(
        request.POST or None,
        clinics=clinics,
        configurable=_configurable(),
        current=current,
        language=get_language() or "en",
    )
    if request.method == "POST" and form.is_valid():
        try:
            thresholds_save(actor=admin, choices=form.choices())
        except ScreeningError:
            form.add_error(None, _("A choice was not allowed, so no threshold was changed."))
        else:
            messages.success(request, _("Thresholds saved."))
            return redirect("screening:thresholds")
    return render(request, "screening/thresholds.html", {"form": form})
