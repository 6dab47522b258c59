"""Lantern's own vocabularies (needs, service attributes), shared by every directory."""

from django.db import migrations


def install(apps, schema_editor):
    from lantern.referrals import taxonomy

    Taxonomy = apps.get_model("referrals", "Taxonomy")
    TaxonomyTerm = apps.get_model("referrals", "TaxonomyTerm")
    stored = {}
    for item in taxonomy.TAXONOMIES:
        stored[item.id], _ = Taxonomy.objects.update_or_create(
            health_system=None,
            hsds_id=item.id,
            defaults={
                "name": item.name,
                "description": item.description,
                "version": item.version,
            },
        )
    for term in taxonomy.TERMS:
        TaxonomyTerm.objects.update_or_create(
            health_system=None,
            hsds_id=term.id,
            defaults={
                "taxonomy_detail": stored[term.taxonomy.id],
                "parent_id": term.parent,
                "code": term.code,
                "name": term.name,
                "description": term.description,
                "taxonomy": term.taxonomy.name,
                "language": "en",
            },
        )


class Migration(migrations.Migration):
    dependencies = [("referrals", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
