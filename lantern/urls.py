"""Lantern's URL map. Every pattern here is walked by the access-matrix test."""

from django.urls import include, path
from django.views.i18n import set_language

from lantern.accounts.views import signin as account_views

urlpatterns = [
    path("", account_views.home, name="home"),
    path("accounts/", include("lantern.accounts.urls")),
    path("patients/", include("lantern.patients.urls")),
    path("audit/", include("lantern.audit.urls")),
    path("", include("lantern.screening.urls")),
    path("", include("lantern.encounters.urls")),
    path("", include("lantern.referrals.urls")),
    path("language/", set_language, name="set_language"),
]

handler400 = "lantern.core.views.bad_request"
