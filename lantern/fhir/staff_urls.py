from django.urls import path

from lantern.fhir import views

app_name = "api_clients"

urlpatterns = [
    path("", views.api_clients, name="list"),
    path("new/", views.api_client_new, name="new"),
    path("<int:client_id>/revoke/", views.api_client_revoke, name="revoke"),
]
