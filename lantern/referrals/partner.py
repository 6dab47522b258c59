"""The partner organisation's side of a referral: what it sees and how it answers.

Each status change the partner may make has its own link. The link's token and the code
read to the partner by phone are kept only as hashes; a link works once, until it expires
(the clinic's setting, 14 days by default), and never after a newer link replaced it. A
link that is unknown, used, expired or replaced answers exactly like a page that does not
exist, so it reveals nothing, not even whether the referral does.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from lantern.audit.models import Action, Category, Outcome
from lantern.audit.services import audit_record
from lantern.patients.choices import Safety
from lantern.patients.models import ContactPlan
from lantern.referrals import sharing
from lantern.referrals.models import PartnerLink, Referral, ReferralSettings
from lantern.referrals.models.referral import PARTNER_ANSWERS

if TYPE_CHECKING:
    from lantern.accounts.models import User

# Wrong phone codes a link takes before it stops working.
MAX_WRONG_CODES = 5
CODE_DIGITS = 6


class PartnerRefused(Exception):
    """The partner's answer cannot be taken; the message is safe to show to the partner."""


@dataclass(frozen=True)
class IssuedLink:
    """A new link, shown once to the staff member who hands it to the partner."""

    token: str
    code: str
    expires_at: datetime.datetime


@dataclass(frozen=True)
class PartnerActor:
    """The partner organisation as an accountable party in the audit trail."""

    link_id: int

    def get_username(self) -> str:
        return f"partner link {self.link_id}"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _code_hash(link_token_hash: str, code: str) -> str:
    value = f"{link_token_hash}:{code.strip()}"
    return salted_hmac("lantern.referrals.partner_code", value, algorithm="sha256").hexdigest()


def partner_links_revoke(referral: Referral) -> int:
    """Every unused link of the referral stops working now."""
    return PartnerLink.objects.filter(
        referral=referral, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())


@transaction.atomic
def partner_link_issue(*, actor: User, referral: Referral) -> IssuedLink:
    """A new link for the partner's next answer; any earlier unused link stops working."""
    partner_links_revoke(referral)
    token = secrets.token_urlsafe(32)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    days = ReferralSettings.for_clinic(referral.clinic_id).link_days
    hashed = token_hash(token)
    link = PartnerLink.objects.create(
        referral=referral,
        token_hash=hashed,
        code_hash=_code_hash(hashed, code),
        created_by=actor,
        expires_at=timezone.now() + datetime.timedelta(days=days),
    )
    audit_record(
        action=Action.CREATE,
        actor=actor,
        patient_id=referral.patient_id,
        obj=link,
        category=Category.SENSITIVE,
        detail=f"partner link issued, valid {days} days",
    )
    return IssuedLink(token, code, link.expires_at)


def partner_link_open(*, token: str, request: Any = None) -> PartnerLink | None:
    """The usable link with this token, or None; every look is audited, refusals as denied."""
    hashed = token_hash(token)
    link = PartnerLink.objects.select_related("referral").filter(token_hash=hashed).first()
    if link is None:
        audit_record(
            action=Action.READ,
            request=request,
            outcome=Outcome.DENIED,
            category=Category.SENSITIVE,
            detail="partner link not recognised (tampered or made up)",
        )
        return None
    if not link.usable(timezone.now()):
        why = "used" if link.used_at else "replaced" if link.revoked_at else "expired"
        _audit_link(link, request, Action.READ, Outcome.DENIED, f"partner link {why}")
        return None
    return link


def _audit_link(
    link: PartnerLink, request: Any, action: Action, outcome: Outcome, detail: str
) -> None:
    audit_record(
        action=action,
        request=request,
        actor=PartnerActor(link.pk),
        patient_id=link.referral.patient_id,
        obj=link.referral,
        category=Category.SENSITIVE,
        outcome=outcome,
        detail=detail,
    )


def partner_link_viewed(link: PartnerLink, request: Any = None) -> None:
    _audit_link(link, request, Action.READ, Outcome.SUCCESS, "partner link viewed")


def partner_answer(
    *, link: PartnerLink, code: str, status: str, note: str = "", request: Any = None
) -> Referral:
    """The partner's answer through its link, with the phone code; the link is then used."""
    from lantern.referrals import referring

    if status not in PARTNER_ANSWERS:
        raise PartnerRefused(_("Choose an answer."))
    with transaction.atomic():
        link = PartnerLink.objects.select_for_update().select_related("referral").get(pk=link.pk)
        if not link.usable(timezone.now()):
            raise PartnerRefused(_("This link no longer works."))
        if not constant_time_compare(link.code_hash, _code_hash(link.token_hash, code)):
            link.wrong_codes += 1
            if link.wrong_codes >= MAX_WRONG_CODES:
                link.revoked_at = timezone.now()
            link.save(update_fields=["wrong_codes", "revoked_at"])
            wrong = True
        else:
            wrong = False
            link.used_at = timezone.now()
            link.save(update_fields=["used_at"])
            try:
                referral = referring.referral_status_set(
                    actor=None, referral=link.referral, status=status, note=note, by_partner=True
                )
            except referring.ReferralError as error:
                raise PartnerRefused(str(error)) from error
            _audit_link(link, request, Action.UPDATE, Outcome.SUCCESS, f"partner answered {status}")
    if wrong:
        _audit_link(link, request, Action.UPDATE, Outcome.DENIED, "partner code did not match")
        raise PartnerRefused(_("The code does not match. Ask the clinic to read it again."))
    return referral


# --- What is shared ----------------------------------------------------------------------------


def _safe_ways(referral: Referral) -> list[dict[str, Any]]:
    from lantern.referrals.referring import ReferralError

    plan = ContactPlan.objects.filter(patient=referral.patient).first()
    if plan is not None and plan.do_not_contact:
        raise ReferralError(
            _(
                "The patient asked not to be contacted by anyone: take “%(item)s” off the "
                "referral, or ask the patient again."
            )
            % {"item": sharing.ShareItem.SAFE_CONTACT.label}
        )
    ways = [
        {
            "channel": channel.channel,
            "destination": channel.destination,
            "windows": channel.time_windows,
            "voicemail": channel.voicemail_allowed,
            "code_word": channel.code_word,
        }
        for channel in referral.patient.contact_channels.filter(safety=Safety.SAFE)
        if channel.destination
    ]
    if not ways:
        raise ReferralError(
            _(
                "No safe way to reach the patient is recorded: record one in the contact plan, "
                "or take “%(item)s” off the referral."
            )
            % {"item": sharing.ShareItem.SAFE_CONTACT.label}
        )
    return ways


def content_of(referral: Referral) -> list[dict[str, Any]]:
    """What the chosen items say about the patient now: kept with the referral when sent."""
    patient = referral.patient
    content: list[dict[str, Any]] = []
    for item in sharing.ordered(referral.shared_items):
        entry: dict[str, Any] = {"item": item}
        if item == sharing.ShareItem.FIRST_NAME:
            entry["text"] = sharing.first_name(str(patient.preferred_name))
        elif item == sharing.ShareItem.LEGAL_NAME:
            entry["text"] = str(patient.legal_name or "")
        elif item == sharing.ShareItem.PRONOUNS:
            entry["text"] = str(patient.pronouns or "")
        elif item == sharing.ShareItem.LANGUAGE:
            entry["language"] = patient.preferred_language
            entry["interpreter"] = patient.interpreter_needed
        elif item == sharing.ShareItem.AGE:
            entry["age"] = patient.age()
            entry["estimated"] = patient.age_is_estimated
        elif item == sharing.ShareItem.MESSAGE:
            entry["text"] = str(referral.message)
        elif item == sharing.ShareItem.SAFE_CONTACT:
            entry["ways"] = _safe_ways(referral)
        content.append(entry)
    return content
