from django.apps import AppConfig


class CareplansConfig(AppConfig):
    name = "lantern.careplans"
    label = "careplans"
    verbose_name = "Care plans"
