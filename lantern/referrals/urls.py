from django.urls import path

from lantern.referrals.views import maintenance, partners, referrals, reports, search, slips

app_name = "referrals"

patient = "patients/<uuid:patient_id>/referrals/"
referral = f"{patient}<uuid:referral_id>/"

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
    path(f"{patient}new/", referrals.referral_start, name="referral_start"),
    path(referral, referrals.referral_detail, name="referral"),
    path(f"{referral}share/", referrals.referral_share, name="referral_share"),
    path(f"{referral}consent/", referrals.referral_consent, name="referral_consent"),
    path(f"{referral}send/", referrals.referral_send, name="referral_send"),
    path(f"{referral}partner-link/", referrals.referral_link, name="referral_link"),
    path(f"{referral}status/", referrals.referral_status, name="referral_status"),
    path(f"{referral}hand-off/", referrals.referral_handoff, name="referral_handoff"),
    path(f"{referral}slip/", slips.referral_slip, name="slip"),
    path(f"{referral}slip/print/", slips.referral_slip_print, name="slip_print"),
    path("partner/<str:token>/", partners.partner_page, name="partner"),
    path("referrals/counts/", reports.referral_counts, name="counts"),
    path("referrals/settings/", reports.referral_settings, name="settings"),
]
