from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "lantern.accounts"
    label = "accounts"
    verbose_name = "Staff and organisations"

    def ready(self) -> None:
        from lantern.accounts import audit_alarms  # noqa: F401  (sealer lag notices)
