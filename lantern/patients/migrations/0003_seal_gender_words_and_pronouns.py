"""Gender identity in the patient's own words and pronouns are sealed like names: the
columns become sealed text, then the values already stored are sealed in place."""

import lantern.crypto.fields
from django.db import migrations

from lantern.crypto.migration_ops import seal_existing


class Migration(migrations.Migration):

    dependencies = [
        ('patients', '0002_birth_date_index'),
    ]

    operations = [
        migrations.AlterField(
            model_name='patient',
            name='gender_identity_detail',
            field=lantern.crypto.fields.EncryptedTextField(blank=True, max_length=100, verbose_name='gender identity, in their words'),
        ),
        migrations.AlterField(
            model_name='patient',
            name='pronouns',
            field=lantern.crypto.fields.EncryptedTextField(blank=True, max_length=40, verbose_name='pronouns'),
        ),
        seal_existing('patients', 'Patient', 'gender_identity_detail', 'pronouns'),
    ]
