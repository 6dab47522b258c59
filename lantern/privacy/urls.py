from django.urls import path

from lantern.privacy import views

# The pages report on the audit trail: their names stay "audit:report" and "audit:export".
app_name = "audit"

urlpatterns = [
    path("", views.audit_report, name="report"),
    path("export.csv", views.audit_export, name="export"),
]
