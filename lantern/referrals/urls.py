from django.urls import path

from lantern.referrals.views import maintenance, search

app_name = "referrals"

urlpatterns = [
    path("directory/", search.directory_search, name="directory"),
    path("directory/services/<uuid:service_id>/", search.service_detail, name="service"),
    path(
        "directory/services/<uuid:service_id>/edit/",
        maintenance.service_edit,
        name="service_edit",
    ),
    path(
        "directory/services/<uuid:service_id>/availability/",
        maintenance.service_availability,
        name="service_availability",
    ),
    path(
        "directory/services/<uuid:service_id>/status/",
        maintenance.service_status,
        name="service_status",
    ),
    path("directory/manage/", maintenance.manage, name="manage"),
    path("directory/organizations/new/", maintenance.organization_edit, name="organization_new"),
    path(
        "directory/organizations/<uuid:organization_id>/",
        maintenance.organization_edit,
        name="organization_edit",
    ),
    path(
        "directory/organizations/<uuid:organization_id>/services/new/",
        maintenance.service_edit,
        name="service_new",
    ),
    path("directory/locations/new/", maintenance.location_edit, name="location_new"),
    path(
        "directory/locations/<uuid:location_id>/",
        maintenance.location_edit,
        name="location_edit",
    ),
]
