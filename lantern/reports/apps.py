from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "lantern.reports"
    label = "reports"
    verbose_name = "Program reports"
