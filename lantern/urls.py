"""Lantern's URL map. Every pattern here is walked by the access-matrix test."""

from django.urls import include, path
from django.views.i18n import set_language

from lantern.accounts.views import signin as account_views
from lantern.core.http import require_safe_or_POST

urlpatterns = [
    path("", account_views.home, name="home"),
    path("accounts/", include("lantern.accounts.urls")),
    path("accounts/api-clients/", include("lantern.fhir.staff_urls")),
    path("patients/", include("lantern.patients.urls")),
    path("audit/", include("lantern.privacy.urls")),
    path("training/", include("lantern.training.urls")),
    path("reports/", include("lantern.reports.urls")),
    path("", include("lantern.screening.urls")),
    path("", include("lantern.encounters.urls")),
    path("", include("lantern.referrals.urls")),
    path("", include("lantern.careplans.urls")),
    path("", include("lantern.messaging.urls")),
    # Django's own view: it sets the language on POST and only goes back on GET.
    path("language/", require_safe_or_POST(set_language), name="set_language"),
    path("fhir/", include(("lantern.fhir.urls", "fhir"), namespace="fhir")),
]

handler400 = "lantern.core.views.bad_request"
