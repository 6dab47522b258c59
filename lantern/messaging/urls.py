from django.urls import path

from lantern.messaging import views

app_name = "messaging"

urlpatterns = [
    path(
        "patients/<uuid:patient_id>/reminders/",
        views.contact_decisions,
        name="contact_decisions",
    ),
    path("reminder-rules/", views.reminder_rules_list, name="reminder_rules_list"),
    path("reminder-rules/<int:clinic_id>/", views.reminder_rules_edit, name="reminder_rules"),
]
