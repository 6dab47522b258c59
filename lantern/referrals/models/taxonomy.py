"""Taxonomies, their terms, the attributes that attach terms to records, and change metadata."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from lantern.referrals.models.base import DirectoryRecord, text


class SharedVocabulary(DirectoryRecord):
    """A record that may belong to one directory or, without a health system, to Lantern."""

    health_system = models.ForeignKey(  # type: ignore[assignment]
        "accounts.HealthSystem", on_delete=models.CASCADE, null=True, related_name="+"
    )

    class Meta:
        abstract = True
        constraints = (
            models.UniqueConstraint(
                fields=("health_system", "hsds_id"), name="%(app_label)s_%(class)s_hsds_id"
            ),
            models.UniqueConstraint(
                fields=("hsds_id",),
                condition=models.Q(health_system__isnull=True),
                name="%(app_label)s_%(class)s_lantern_hsds_id",
            ),
        )


class Taxonomy(SharedVocabulary):
    name = models.TextField()
    description = text()
    uri = text()
    version = text()

    class Meta(SharedVocabulary.Meta):
        verbose_name = _("taxonomy")
        verbose_name_plural = _("taxonomies")


class TaxonomyTerm(SharedVocabulary):
    taxonomy_detail = models.ForeignKey(
        Taxonomy, on_delete=models.PROTECT, null=True, blank=True, related_name="terms"
    )
    # Kept as given: HSDS data may name a parent term that is not in the directory.
    parent_id = models.UUIDField(null=True, blank=True)
    code = text()
    name = models.TextField()
    description = text()
    taxonomy = text()
    language = text()
    term_uri = text()

    class Meta(SharedVocabulary.Meta):
        verbose_name = _("taxonomy term")


class Linked(DirectoryRecord):
    """A record about another record named by its HSDS id and table (HSDS's polymorphic link).

    ``linked_type`` is the HSDS table of the record it is about, as Lantern resolved it on
    the way in; the HSDS text fields (``link_entity``, ``resource_type``) are kept as given.
    """

    linked_type = models.CharField(max_length=32)

    class Meta:
        abstract = True


class Attribute(Linked):
    """A taxonomy term attached to a record: a service's needs, who it is for, its cost."""

    taxonomy_term = models.ForeignKey(
        TaxonomyTerm, on_delete=models.PROTECT, related_name="attributes"
    )
    link_id = models.UUIDField()
    link_entity = text()
    link_type = text()
    value = text()

    class Meta(DirectoryRecord.Meta):
        indexes = (
            models.Index(
                fields=("health_system", "linked_type", "link_id", "taxonomy_term"),
                name="attribute_link",
            ),
            models.Index(fields=("taxonomy_term", "link_id"), name="attribute_term"),
        )


class Metadata(Linked):
    """One recorded change to a record (HSDS ``metadata``), e.g. when availability was updated."""

    resource_id = models.UUIDField()
    resource_type = text()
    last_action_date = text()
    last_action_type = text()
    field_name = text()
    previous_value = text()
    replacement_value = text()
    updated_by = text()

    class Meta(DirectoryRecord.Meta):
        indexes = (
            models.Index(
                fields=("health_system", "linked_type", "resource_id"), name="metadata_link"
            ),
        )


class MetaTableDescription(DirectoryRecord):
    name = text()
    language = text()
    character_set = text()
