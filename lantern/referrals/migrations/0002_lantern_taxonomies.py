"""Lantern's own vocabularies (needs, service attributes), shared by every directory."""

from django.db import migrations


def install(apps, schema_editor):
    from lantern.referrals.vocabulary import lantern_vocabulary_ensure

    lantern_vocabulary_ensure(apps)


class Migration(migrations.Migration):
    dependencies = [("referrals", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
