from django.urls import path

from lantern.messaging import views

app_name = "messaging"

urlpatterns = [
    path(
        "patients/<uuid:patient_id>/reminders/",
        views.contact_decisions,
        name="contact_decisions",
    ),
]
