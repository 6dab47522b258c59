"""A clinic's choice of positive thresholds, where the literature offers more than one."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from lantern.accounts.access import role_required, staff_user
from lantern.accounts.models import Clinic, Role
from lantern.screening import instruments
from lantern.screening.models import ClinicThreshold
from lantern.screening.services import threshold_set


def _configurable() -> list[instruments.Instrument]:
    return [
        i
        for i in instruments.all_instruments().values()
        if i.threshold is not None and len(i.threshold.allowed) > 1
    ]


def _default(instrument: instruments.Instrument) -> int | None:
    return instrument.threshold.default if instrument.threshold else None


@role_required(Role.ADMINISTRATOR)
def thresholds(request: HttpRequest) -> HttpResponse:
    admin = staff_user(request)
    clinics = list(Clinic.objects.filter(health_system=admin.health_system_id).order_by("name"))
    configurable = _configurable()
    if request.method == "POST":
        errors = 0
        for clinic in clinics:
            for instrument in configurable:
                raw = request.POST.get(f"t-{clinic.pk}-{instrument.id}", "")
                if not raw:
                    continue
                allowed = instrument.threshold.allowed if instrument.threshold else ()
                if not raw.isdigit() or int(raw) not in allowed:
                    errors += 1
                    continue
                threshold_set(actor=admin, clinic=clinic, instrument=instrument, threshold=int(raw))
        if errors:
            messages.error(request, _("Some choices were not allowed and were not saved."))
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
                (instrument, chosen.get((clinic.pk, instrument.id), _default(instrument)))
                for instrument in configurable
            ],
        )
        for clinic in clinics
    ]
    return render(
        request, "screening/thresholds.html", {"rows": rows, "configurable": configurable}
    )
