from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "lantern.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from lantern.audit import receivers  # noqa: F401  (sign-in events)
        from lantern.audit.db_roles import grant_after_migrate

        # Once per migrate run, after every app's tables exist.
        post_migrate.connect(grant_after_migrate, sender=self, dispatch_uid="audit-db-roles")
