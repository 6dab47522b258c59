# Step 2 of 3 towards sealing: the chain written so far becomes the sealed chain. Entries
# were linked and hashed the same way they are sealed now, so nothing in them changes; the
# head row is made to exist, and new entry numbers start after the last one.

from django.db import migrations

from lantern.audit import chain
from lantern.audit.models import ENTRY_SEQUENCE


def carry_chain(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditChainHead = apps.get_model("audit", "AuditChainHead")
    last = AuditEvent.objects.order_by("-sequence").values_list("sequence", "entry_hash").first()
    if not AuditChainHead.objects.filter(pk=1).exists():
        sequence, entry_hash = last or (0, chain.GENESIS_HASH)
        AuditChainHead.objects.create(id=1, sequence=sequence, entry_hash=entry_hash)
    if schema_editor.connection.vendor == "postgresql":
        next_number = (last[0] if last else 0) + 1
        schema_editor.execute(f"SELECT setval('{ENTRY_SEQUENCE}', %s, false)", [next_number])


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0008_sealing_tables"),
    ]

    operations = [
        migrations.RunPython(carry_chain, migrations.RunPython.noop),
    ]
