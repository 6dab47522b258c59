from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "lantern.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from lantern.audit import receivers  # noqa: F401  (sign-in events)
