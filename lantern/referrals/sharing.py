"""What a referral may carry to a partner organisation: pure rules over plain values.

A referral carries only what was chosen for it, item by item. By default that is the
person's first or preferred name and the safe way to reach them (from the safe-contact
preferences); anything more is picked one item at a time. A consent to share with an
organisation covers the items it names; a consent recorded without naming items (on a
visit page, say) covers the default items only, so nothing beyond the minimum leaves the
clinic on a consent that did not mention it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class ShareItem(models.TextChoices):
    FIRST_NAME = "first_name", _("First or preferred name")
    SAFE_CONTACT = "safe_contact", _("The safe way to reach the person")
    PRONOUNS = "pronouns", _("Pronouns")
    LANGUAGE = "language", _("Preferred language and interpreter need")
    AGE = "age", _("Age")
    LEGAL_NAME = "legal_name", _("Legal name")
    MESSAGE = "message", _("A message for the organisation")


DEFAULT_ITEMS: tuple[str, ...] = (ShareItem.FIRST_NAME, ShareItem.SAFE_CONTACT)
ALL_ITEMS: tuple[str, ...] = tuple(item.value for item in ShareItem)


def ordered(items: Iterable[str]) -> list[str]:
    """Known items once each, in the vocabulary's order (unknown codes are dropped)."""
    chosen = set(items)
    return [item for item in ALL_ITEMS if item in chosen]


def covered_by(consented: Iterable[str] | None) -> frozenset[str]:
    """The items a consent covers: those it names, or the default items if it names none."""
    if consented is None:
        return frozenset(DEFAULT_ITEMS)
    return frozenset(ordered(consented))


def not_covered(shared: Iterable[str], consented: Iterable[str] | None) -> list[str]:
    """Items about to be shared that the consent does not cover, in vocabulary order."""
    allowed = covered_by(consented)
    return [item for item in ordered(shared) if item not in allowed]


@dataclass(frozen=True)
class SafeWay:
    """How the partner may reach the person: a safe channel with its conditions."""

    channel: str
    destination: str
    windows: str
    voicemail: bool | None
    code_word: str


def first_name(preferred_name: str) -> str:
    """The first word of the preferred name: a partner needs no more to greet the person."""
    words = preferred_name.split()
    return words[0] if words else ""
