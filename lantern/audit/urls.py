from django.urls import path

from lantern.audit import views

app_name = "audit"

urlpatterns = [
    path("", views.audit_report, name="report"),
    path("export.csv", views.audit_export, name="export"),
    path("patients/<uuid:patient_id>/", views.patient_access_history, name="patient_access"),
]
