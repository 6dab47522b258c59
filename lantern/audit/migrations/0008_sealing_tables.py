# Step 1 of 3 towards sealing: the gap and checkpoint tables, and (PostgreSQL) the sequence
# that numbers new entries. Entries keep being written and chained the old way until 0010.

import django.utils.timezone
from django.db import migrations, models

from lantern.audit.models import ENTRY_SEQUENCE


def create_sequence(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE SEQUENCE IF NOT EXISTS {ENTRY_SEQUENCE} AS bigint MINVALUE 1 "
            "OWNED BY audit_auditevent.sequence"
        )


def drop_sequence(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP SEQUENCE IF EXISTS {ENTRY_SEQUENCE}")


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0007_alter_auditevent_action_alter_auditevent_category'),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditGap',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('sequence', models.PositiveBigIntegerField(editable=False, unique=True)),
                ('prev_hash', models.CharField(editable=False, max_length=64)),
                ('entry_hash', models.CharField(editable=False, max_length=64)),
                ('recorded_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
            ],
            options={
                'verbose_name': 'audit sequence gap',
                'ordering': ('sequence',),
            },
        ),
        migrations.CreateModel(
            name='AuditCheckpoint',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('sequence', models.PositiveBigIntegerField(editable=False)),
                ('head_hash', models.CharField(editable=False, max_length=64)),
                ('at', models.DateTimeField(editable=False)),
                ('key_id', models.CharField(editable=False, max_length=16)),
                ('mac', models.CharField(editable=False, max_length=64)),
            ],
            options={
                'verbose_name': 'audit checkpoint',
                'ordering': ('sequence', 'at'),
                'indexes': [models.Index(fields=['sequence'], name='audit_checkpoint_sequence')],
            },
        ),
        migrations.RunPython(create_sequence, drop_sequence),
    ]
