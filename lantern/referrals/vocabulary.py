"""Lantern's own taxonomies as database rows, shared by every directory.

A migration creates them; ``lantern_vocabulary_ensure`` puts back any that are missing (a
database emptied with ``flush``, say) before anything needs them, so attributes always
have their terms to point at. It costs one query when everything is there.
"""

from __future__ import annotations

from typing import Any

from lantern.referrals import taxonomy


def lantern_vocabulary_ensure(apps: Any = None) -> None:
    """Create Lantern's taxonomies and terms that are not in the database yet."""
    if apps is None:
        from django.apps import apps
    # Inside a migration these are the historical models.
    taxonomies: Any = apps.get_model("referrals", "Taxonomy")._default_manager
    all_terms: Any = apps.get_model("referrals", "TaxonomyTerm")._default_manager
    terms = all_terms.filter(health_system__isnull=True)
    if terms.filter(hsds_id__in=[term.id for term in taxonomy.TERMS]).count() == len(
        taxonomy.TERMS
    ):
        return
    stored = {}
    for item in taxonomy.TAXONOMIES:
        stored[item.id], _created = taxonomies.update_or_create(
            health_system=None,
            hsds_id=item.id,
            defaults={"name": item.name, "description": item.description, "version": item.version},
        )
    for term in taxonomy.TERMS:
        all_terms.update_or_create(
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
