from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "lantern.screening"
    label = "screening"
    verbose_name = "Screening"
