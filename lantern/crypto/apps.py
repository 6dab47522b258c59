from django.apps import AppConfig


class CryptoConfig(AppConfig):
    name = "lantern.crypto"
    label = "crypto"
    verbose_name = "Field encryption"
