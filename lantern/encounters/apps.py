from django.apps import AppConfig


class EncountersConfig(AppConfig):
    name = "lantern.encounters"
    label = "encounters"
    verbose_name = "Visits"
