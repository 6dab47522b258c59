# Chains the entries written before the audit trail had a hash chain, oldest first.

from django.db import migrations

from lantern.audit import chain

BATCH = 2000


def chain_existing_entries(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditChainHead = apps.get_model("audit", "AuditChainHead")
    head = chain.EMPTY_HEAD
    # Read first, then write: SQLite leaves updating a table under an open cursor undefined.
    # Installations that predate the chain hold a few days of entries at most.
    rows = list(
        AuditEvent.objects.order_by("at", "id").values_list("id", *chain.Recorded._fields)
    )
    pending = []
    for row_id, *values in rows:
        link = chain.next_link(head, chain.Recorded(*values))
        head = chain.Head(link.sequence, link.entry_hash)
        pending.append(
            AuditEvent(
                id=row_id,
                sequence=link.sequence,
                prev_hash=link.prev_hash,
                entry_hash=link.entry_hash,
            )
        )
        if len(pending) >= BATCH:
            AuditEvent.objects.bulk_update(pending, ("sequence", "prev_hash", "entry_hash"))
            pending = []
    AuditEvent.objects.bulk_update(pending, ("sequence", "prev_hash", "entry_hash"))
    AuditChainHead.objects.update_or_create(
        id=1, defaults={"sequence": head.sequence, "entry_hash": head.entry_hash}
    )


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0002_chain_fields"),
    ]

    operations = [
        migrations.RunPython(chain_existing_entries, migrations.RunPython.noop),
    ]
