from django.urls import path

from lantern.patients.views import (
    access_history,
    contact,
    emergency,
    emergency_review,
    registry,
)

app_name = "patients"

urlpatterns = [
    path("", registry.patient_search, name="search"),
    path("new/", registry.patient_register, name="register"),
    path("emergency/", emergency.emergency_start, name="emergency"),
    path("emergency/<int:grant_id>/search/", emergency.emergency_search, name="emergency_search"),
    path(
        "emergency/<int:grant_id>/open/<uuid:patient_id>/",
        emergency.emergency_open,
        name="emergency_open",
    ),
    path("emergency/<int:grant_id>/end/", emergency.emergency_end, name="emergency_end"),
    path("emergency/reviews/", emergency_review.emergency_reviews, name="emergency_reviews"),
    path(
        "emergency/reviews/<int:grant_id>/",
        emergency_review.emergency_review,
        name="emergency_review",
    ),
    path("<uuid:patient_id>/", registry.patient_detail, name="detail"),
    path(
        "<uuid:patient_id>/access-history/",
        access_history.access_history,
        name="access_history",
    ),
    path("<uuid:patient_id>/edit/", registry.patient_edit, name="edit"),
    path("<uuid:patient_id>/aliases/", registry.alias_add, name="alias_add"),
    path(
        "<uuid:patient_id>/aliases/<int:alias_id>/remove/",
        registry.alias_remove,
        name="alias_remove",
    ),
    path("<uuid:patient_id>/identifiers/", registry.identifier_add, name="identifier_add"),
    path(
        "<uuid:patient_id>/identifiers/<int:identifier_id>/remove/",
        registry.identifier_remove,
        name="identifier_remove",
    ),
    path("<uuid:patient_id>/care-team/", registry.care_team_add, name="care_team_add"),
    path(
        "<uuid:patient_id>/care-team/<int:member_id>/remove/",
        registry.care_team_remove,
        name="care_team_remove",
    ),
    path("<uuid:patient_id>/contact/", contact.contact_plan_edit, name="contact_plan"),
    path(
        "<uuid:patient_id>/contact/<slug:channel>/",
        contact.contact_channel_edit,
        name="contact_channel",
    ),
]
