from django.apps import AppConfig


class DemoConfig(AppConfig):
    """``lantern demo``: a fictional health system to try Lantern on one machine, and
    ``lantern seed``: fictional patients and their history, for demos and benchmarks.

    It creates staff, clinics, patients and records through every other app, so it lives
    apart from them, and nothing else depends on it.
    """

    name = "lantern.demo"
    label = "demo"
    verbose_name = "Lantern demo"
