"""Authenticator apps move from django-otp's TOTP device, which keeps the shared secret in
plain text, to Lantern's Authenticator, which seals it with the key ring. Every device is
copied with its state (drift, last code, throttling), then the plain-text rows are deleted;
the old table stays, empty (django-otp's TOTP plugin remains installed for this migration).
"""

import django.db.models.deletion
import lantern.accounts.models
import lantern.crypto.fields
from django.conf import settings
from django.db import migrations, models


COPIED = (
    "user_id", "name", "confirmed", "throttling_failure_timestamp", "throttling_failure_count",
    "created_at", "last_used_at", "key", "step", "t0", "digits", "tolerance", "drift", "last_t",
)


def _copy(source, target):
    for device in source.objects.order_by("pk").iterator():
        # Saving through the target model seals the key (or opens it, going back).
        copy = target.objects.create(**{name: getattr(device, name) for name in COPIED})
        target.objects.filter(pk=copy.pk).update(created_at=device.created_at)  # not "now"
    source.objects.all().delete()


def seal_secrets(apps, schema_editor):
    _copy(apps.get_model("otp_totp", "TOTPDevice"), apps.get_model("accounts", "Authenticator"))


def unseal_secrets(apps, schema_editor):
    _copy(apps.get_model("accounts", "Authenticator"), apps.get_model("otp_totp", "TOTPDevice"))


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0007_user_must_change_password'),
        ('otp_totp', '0003_add_timestamps'),
    ]

    operations = [
        migrations.CreateModel(
            name='Authenticator',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(help_text='The human-readable name of this device.', max_length=64)),
                ('confirmed', models.BooleanField(default=True, help_text='Is this device ready for use?')),
                ('throttling_failure_timestamp', models.DateTimeField(blank=True, default=None, help_text='A timestamp of the last failed verification attempt. Null if last attempt succeeded.', null=True)),
                ('throttling_failure_count', models.PositiveIntegerField(default=0, help_text='Number of successive failed attempts.')),
                ('created_at', models.DateTimeField(auto_now_add=True, help_text='The date and time when this device was initially created in the system.', null=True)),
                ('last_used_at', models.DateTimeField(blank=True, help_text='The most recent date and time this device was used.', null=True)),
                ('key', lantern.crypto.fields.EncryptedTextField(default=lantern.accounts.models._new_totp_key, editable=False)),
                ('step', models.PositiveSmallIntegerField(default=30)),
                ('t0', models.BigIntegerField(default=0)),
                ('digits', models.PositiveSmallIntegerField(choices=[(6, 6), (8, 8)], default=6)),
                ('tolerance', models.PositiveSmallIntegerField(default=1)),
                ('drift', models.SmallIntegerField(default=0)),
                ('last_t', models.BigIntegerField(default=-1)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='authenticators', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'authenticator app',
                'abstract': False,
            },
        ),
        migrations.RunPython(seal_secrets, unseal_secrets),
    ]
