# Installs the triggers that refuse UPDATE, DELETE and TRUNCATE on audit entries (and
# DELETE, TRUNCATE or a backwards move of the chain head), on SQLite and PostgreSQL.

from django.db import migrations

from lantern.audit import append_only


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0004_chain_required"),
    ]

    operations = [
        migrations.RunPython(append_only.migrate_forwards, append_only.migrate_backwards),
    ]
