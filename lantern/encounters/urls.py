from django.urls import path

from lantern.encounters.views import (
    consent,
    disclosures,
    exam,
    follow_up,
    photos,
    preferences,
    summary,
    visits,
)

app_name = "encounters"

patient = "patients/<uuid:patient_id>/"
visit = f"{patient}visits/<int:visit_id>/"

urlpatterns = [
    path(f"{patient}care-preferences/", preferences.care_preferences_edit, name="preferences"),
    path(f"{patient}visits/", visits.visit_list, name="visits"),
    path(visit, visits.visit_detail, name="visit"),
    path(f"{visit}details/", visits.visit_edit, name="visit_edit"),
    path(f"{visit}instructions/", visits.visit_instructions, name="instructions"),
    path(f"{visit}end/", visits.visit_end, name="visit_end"),
    path(f"{visit}consents/", consent.consent_add, name="consent_add"),
    path(
        f"{visit}consents/<int:consent_id>/withdraw/",
        consent.consent_withdraw,
        name="consent_withdraw",
    ),
    path(f"{visit}exam/", exam.exam_step_add, name="exam_step_add"),
    path(f"{visit}injuries/", exam.injury_add, name="injury_add"),
    path(f"{visit}injuries/<int:injury_id>/photos/", photos.photo_upload, name="photo_upload"),
    path(f"{visit}photos/", photos.photo_gallery, name="photos"),
    path(f"{visit}photos/<int:photo_id>/", photos.photo_image, name="photo"),
    path(
        f"{visit}photos/<int:photo_id>/thumbnail/",
        photos.photo_image,
        {"thumbnail": True},
        name="photo_thumbnail",
    ),
    path(f"{visit}follow-up/", follow_up.follow_up_record, name="follow_up"),
    path(f"{visit}disclosures/", disclosures.disclosure_add, name="disclosure_add"),
    path(f"{visit}summary/", summary.summary_choose, name="summary"),
    path(f"{visit}summary/print/", summary.summary_print, name="summary_print"),
]
