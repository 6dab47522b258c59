# Step 3 of 3 towards sealing: the triggers now let the sealer fill in an unsealed entry's
# hashes (once), and make gap links and checkpoints append-only as well.

from django.db import migrations

from lantern.audit import append_only


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0009_sealing_carry_chain"),
    ]

    operations = [
        migrations.RunPython(append_only.migrate_to_sealing, append_only.migrate_from_sealing),
    ]
