"""The lockout table now keeps a keyed hash of what was typed as the username: drop the rows
written before, which hold it as typed (lockouts are short-lived; nothing else is lost)."""

from django.db import migrations


def drop_plaintext_lockout_rows(apps, schema_editor):
    for name in ("AccessAttempt", "AccessFailureLog"):
        apps.get_model("axes", name).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_session_stamp"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [
        migrations.RunPython(drop_plaintext_lockout_rows, migrations.RunPython.noop, elidable=True),
    ]
