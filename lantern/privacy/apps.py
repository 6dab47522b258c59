from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """The privacy officer's audit report over the trail of their organisation.

    It sits above the audit trail (``lantern.audit``, which depends on no domain app) and the
    apps whose staff and patients decide what an officer may review.
    """

    name = "lantern.privacy"
    label = "privacy"
    verbose_name = "Privacy review"
