from django.urls import path

from lantern.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.report, name="report"),
    path("export/", views.export, name="export"),
    path("export/file", views.download, name="download"),
]
