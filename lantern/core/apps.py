from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared layout, middleware and input rules used by every Lantern app."""

    name = "lantern.core"
    label = "core"
    verbose_name = "Lantern core"
