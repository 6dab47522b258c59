"""A clinic's choice of positive thresholds, where the literature offers more than one."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from lantern.accounts.access import AuthenticatedHttpRequest, role_required
from lantern.accounts.models import Clinic, Role
from lantern.screening import instruments
from lantern.screening.models import ClinicThreshold
from lantern.screening.services import ScreeningError, threshold_set


def _configurable() -> list[instruments.Instrument]:
    return [i for i in instruments.all_instruments().values() if len(i.allowed_thresholds) > 1]


@role_required(Role.ADMINISTRATOR)
def thresholds(request: AuthenticatedHttpRequest) -> HttpResponse:
    admin = request.user
    clinics = list(Clinic.objects.filter(health_system=admin.health_system_id).order_by("name"))
    configurable = _configurable()
    if request.method == "POST":
        # All or nothing: one choice that is not allowed saves none of them.
        try:
            with transaction.atomic():
                for clinic in clinics:
                    for instrument in configurable:
                        raw = request.POST.get(f"t-{clinic.pk}-{instrument.id}", "")
                        if not raw:
                            continue
                        if not raw.isdigit():
                            raise ScreeningError(raw)
                        threshold_set(
                            actor=admin, clinic=clinic, instrument=instrument, threshold=int(raw)
                        )
        except ScreeningError:
            messages.error(request, _("A choice was not allowed, so no threshold was changed."))
        else:
            messages.success(request, _("Thresholds saved."))
        return redirect("screening:thresholds")
    chosen = {
        (t.clinic_id, t.instrument_id): t.threshold
        for t in ClinicThreshold.objects.filter(clinic__in=clinics)
    }
    rows = [
        (
            clinic,
            [
                (instrument, chosen.get((clinic.pk, instrument.id), instrument.default_threshold))
                for instrument in configurable
            ],
        )
        for clinic in clinics
    ]
    return render(
        request, "screening/thresholds.html", {"rows": rows, "configurable": configurable}
    )
