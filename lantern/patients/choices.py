"""The vocabularies of the patient registry."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class BirthDateKind(models.TextChoices):
    """Many survivors have no documents: a birth date may be exact, estimated or unknown."""

    EXACT = "exact", _("Exact date known")
    ESTIMATED = "estimated", _("Estimated age")
    UNKNOWN = "unknown", _("Unknown")


class SexAtBirth(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    INTERSEX = "intersex", _("Intersex")
    UNKNOWN = "unknown", _("Unknown")
    DECLINED = "declined", _("Prefers not to say")


class GenderIdentity(models.TextChoices):
    WOMAN = "woman", _("Woman")
    MAN = "man", _("Man")
    TRANSGENDER_WOMAN = "transgender_woman", _("Transgender woman")
    TRANSGENDER_MAN = "transgender_man", _("Transgender man")
    NON_BINARY = "non_binary", _("Non-binary")
    SELF_DESCRIBED = "self_described", _("Self-described")
    UNKNOWN = "unknown", _("Unknown")
    DECLINED = "declined", _("Prefers not to say")


class AliasKind(models.TextChoices):
    STREET = "street", _("Street or working name")
    FORMER = "former", _("Former or other legal name")
    NICKNAME = "nickname", _("Nickname")
    DOCUMENT = "document", _("Name on a document")
    OTHER = "other", _("Other")


class IdentifierSystem(models.TextChoices):
    MRN = "mrn", _("Medical record number (EHR)")


class ContactChannelKind(models.TextChoices):
    CALL = "call", _("Phone call")
    SMS = "sms", _("Text message")
    EMAIL = "email", _("Email")
    POST = "post", _("Post")


class Safety(models.TextChoices):
    SAFE = "safe", _("Safe to use")
    UNSAFE = "unsafe", _("Not safe: never use")
    UNKNOWN = "unknown", _("Not yet asked")


# Languages a clinic commonly needs; BCP 47 tags. Names are shown in the staff member's
# language. More can be added without a schema change.
LANGUAGES = [
    ("en", _("English")),
    ("es", _("Spanish")),
    ("pt", _("Portuguese")),
    ("fr", _("French")),
    ("ht", _("Haitian Creole")),
    ("zh", _("Chinese")),
    ("vi", _("Vietnamese")),
    ("ko", _("Korean")),
    ("tl", _("Tagalog")),
    ("ru", _("Russian")),
    ("uk", _("Ukrainian")),
    ("ar", _("Arabic")),
    ("fa", _("Persian")),
    ("hi", _("Hindi")),
    ("th", _("Thai")),
    ("ro", _("Romanian")),
    ("sw", _("Swahili")),
    ("so", _("Somali")),
    ("am", _("Amharic")),
    ("ne", _("Nepali")),
    ("mam", _("Mam")),
    ("quc", _("K'iche'")),
    ("asl", _("American Sign Language")),
    ("other", _("Other")),
]
