"""Photographs of injuries: upload with photo consent; view only after step-up, audited.

Access to the patient is checked before step-up, so someone who may not open the record is
refused (404) rather than asked for their password.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from lantern.accounts.access import AuthenticatedHttpRequest, refused_as_not_found
from lantern.accounts.chart_access import Section
from lantern.accounts.reauth import reauthentication_required
from lantern.audit.models import Category
from lantern.audit.services import audit_read_shown
from lantern.core.http import require_safe, require_safe_or_POST
from lantern.encounters import photos, services
from lantern.encounters.forms import PhotoForm
from lantern.encounters.models import Encounter, InjuryPhoto
from lantern.encounters.views.page import refusal_message, visit_for, visit_with_errors
from lantern.patients.access import care_staff_required, patient_for


@care_staff_required
@require_safe_or_POST
def photo_upload(
    request: AuthenticatedHttpRequest, patient_id: UUID, visit_id: int, injury_id: int
) -> HttpResponse:
    patient = patient_for(request, patient_id, write=True, section=Section.PHOTOGRAPHS).patient
    visit = visit_for(request, patient, visit_id)
    if request.method != "POST":  # the address reloaded, or its language changed
        return redirect("encounters:visit", patient_id=patient.pk, visit_id=visit.pk)
    injury = visit.injuries.filter(pk=injury_id).first()
    if injury is None:
        raise refused_as_not_found(request, "injury not of this visit", patient.pk)
    form = PhotoForm(request.POST, request.FILES, prefix=f"photo-{injury.pk}")
    if form.is_valid():
        # Read one byte past the limit: enough to refuse an oversized file, never more.
        data = form.cleaned_data["photo"].read(photos.MAX_UPLOAD_BYTES + 1)
        try:
            services.photo_store(actor=request.user, injury=injury, data=data)
        except (services.VisitError, photos.PhotoError) as error:
            form.add_error("photo", refusal_message(error))
        else:
            messages.success(request, _("Photograph stored, without location data."))
            return redirect("encounters:visit", patient_id=patient.pk, visit_id=visit.pk)
    return visit_with_errors(request, patient, visit, photo_form=form)


@care_staff_required
@require_safe
def photo_gallery(
    request: AuthenticatedHttpRequest, patient_id: UUID, visit_id: int
) -> HttpResponseBase:
    patient = patient_for(request, patient_id, write=True, section=Section.PHOTOGRAPHS).patient
    return _gallery(request, visit_for(request, patient, visit_id))


@reauthentication_required
def _gallery(request: AuthenticatedHttpRequest, visit: Encounter) -> HttpResponse:
    audit_read_shown(
        request=request,
        patient_id=visit.patient_id,
        obj=visit,
        category=Category.PHOTO,
        detail="photographs listed",
    )
    # Links only: the sealed images themselves are not loaded (nor decrypted) here.
    injuries = visit.injuries.prefetch_related(
        Prefetch("photos", InjuryPhoto.objects.defer("image", "thumbnail"))
    )
    return render(
        request,
        "encounters/photos.html",
        {"patient": visit.patient, "visit": visit, "injuries": injuries},
    )


@care_staff_required
@require_safe
def photo_image(
    request: AuthenticatedHttpRequest,
    patient_id: UUID,
    visit_id: int,
    photo_id: int,
    thumbnail: bool = False,
) -> HttpResponseBase:
    """The photograph, or its thumbnail (``thumbnail``, set by the URL)."""
    patient = patient_for(request, patient_id, write=True, section=Section.PHOTOGRAPHS).patient
    visit = visit_for(request, patient, visit_id)
    unused = "image" if thumbnail else "thumbnail"  # load and decrypt only the one shown
    photo = (
        InjuryPhoto.objects.filter(pk=photo_id, injury__encounter=visit)
        .defer(unused)
        .select_related("injury__encounter")
        .first()
    )
    if photo is None:
        raise refused_as_not_found(request, "photo not of this visit", patient.pk)
    return _image(request, photo, thumbnail=thumbnail)


@reauthentication_required
def _image(
    request: AuthenticatedHttpRequest, photo: InjuryPhoto, *, thumbnail: bool
) -> HttpResponse:
    data = services.photo_view(actor=request.user, photo=photo, thumbnail=thumbnail)
    response = HttpResponse(data, content_type=photos.STORED_TYPE)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response
