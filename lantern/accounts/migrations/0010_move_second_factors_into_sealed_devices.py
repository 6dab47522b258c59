"""Second factors move out of django-otp's own devices, which keep authenticator secrets
and recovery codes as typed, into Lantern's Authenticator and RecoveryCodes, which seal
them with the key ring. Every device is copied with its state (drift, last code,
throttling, unused codes), then the plain-text rows are deleted; django-otp's TOTP and
static plugins stay installed for this migration, their tables empty.

A migration of its own, apart from the tables it fills: PostgreSQL cannot drop a table in
the transaction that just deleted rows from it, which going back would otherwise do.
"""

from django.db import migrations

COPIED = (
    "user_id", "name", "confirmed", "throttling_failure_timestamp", "throttling_failure_count",
    "created_at", "last_used_at", "key", "step", "t0", "digits", "tolerance", "drift", "last_t",
)


def _copy_authenticators(source, target):
    for device in source.objects.order_by("pk").iterator():
        # Saving through the target model seals the key (or opens it, going back).
        copy = target.objects.create(**{name: getattr(device, name) for name in COPIED})
        target.objects.filter(pk=copy.pk).update(created_at=device.created_at)  # not "now"
    source.objects.all().delete()


def seal_secrets(apps, schema_editor):
    _copy_authenticators(apps.get_model("otp_totp", "TOTPDevice"), apps.get_model("accounts", "Authenticator"))


def unseal_secrets(apps, schema_editor):
    _copy_authenticators(apps.get_model("accounts", "Authenticator"), apps.get_model("otp_totp", "TOTPDevice"))


DEVICE_FIELDS = (
    "user_id", "name", "confirmed", "throttling_failure_timestamp", "throttling_failure_count",
    "last_used_at",
)


def _copy_recovery_codes(source_device, source_code, target_device, target_code, code_of, code_field):
    for device in source_device.objects.order_by("pk").iterator():
        copy = target_device.objects.create(**{name: getattr(device, name) for name in DEVICE_FIELDS})
        target_device.objects.filter(pk=copy.pk).update(created_at=device.created_at)
        target_code.objects.bulk_create(
            target_code(device=copy, **{code_field: code_of(code)})
            for code in source_code.objects.filter(device=device)
        )
    source_device.objects.all().delete()  # their codes go with them


def seal_codes(apps, schema_editor):
    _copy_recovery_codes(
        apps.get_model("otp_static", "StaticDevice"),
        apps.get_model("otp_static", "StaticToken"),
        apps.get_model("accounts", "RecoveryCodes"),
        apps.get_model("accounts", "RecoveryCode"),
        lambda token: token.token,
        "code",
    )


def unseal_codes(apps, schema_editor):
    _copy_recovery_codes(
        apps.get_model("accounts", "RecoveryCodes"),
        apps.get_model("accounts", "RecoveryCode"),
        apps.get_model("otp_static", "StaticDevice"),
        apps.get_model("otp_static", "StaticToken"),
        lambda code: code.code,
        "token",
    )


def seal_all(apps, schema_editor):
    seal_secrets(apps, schema_editor)
    seal_codes(apps, schema_editor)


def unseal_all(apps, schema_editor):
    unseal_secrets(apps, schema_editor)
    unseal_codes(apps, schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0009_recovery_codes_sealed'),
        ('otp_totp', '0003_add_timestamps'),
        ('otp_static', '0003_add_timestamps'),
    ]

    operations = [
        migrations.RunPython(seal_all, unseal_all),
    ]
