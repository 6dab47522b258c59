"""An injury's size is sealed like its notes: the column becomes sealed text, then the
values already stored are sealed in place."""

import lantern.crypto.fields
from django.db import migrations

from lantern.crypto.migration_ops import seal_existing


class Migration(migrations.Migration):

    dependencies = [
        ('encounters', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='injury',
            name='size',
            field=lantern.crypto.fields.EncryptedTextField(blank=True, max_length=40, verbose_name='size'),
        ),
        seal_existing('encounters', 'Injury', 'size'),
    ]
