from django.urls import path

app_name = "encounters"

urlpatterns: list = []  # visit pages are added here
