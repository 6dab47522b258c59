from django.urls import path

from lantern.training import views

app_name = "training"

urlpatterns = [
    path("", views.training_list, name="list"),
    path("status/", views.training_status, name="status"),
    path("<slug:module_id>/", views.training_module, name="module"),
]
