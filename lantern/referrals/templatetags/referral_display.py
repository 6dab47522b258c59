"""How a referral's shared items read on screen, in the reader's language."""

from __future__ import annotations

from django import template

from lantern.patients.choices import LANGUAGES, ContactChannelKind
from lantern.referrals.sharing import ShareItem

register = template.Library()


@register.filter
def item_label(code: str) -> str:
    return str(dict(ShareItem.choices).get(code, code))


@register.filter
def language_label(code: str) -> str:
    return str(dict(LANGUAGES).get(code, code))


@register.filter
def channel_label(code: str) -> str:
    return str(dict(ContactChannelKind.choices).get(code, code))
