"""Referral writes: start, choose what is shared, record consent, send, and every status.

Sending checks the patient's consent to share with the service's organisation through the
visit consent rules (``lantern.encounters.consent_rules``) and records the send as a
disclosure (``lantern.encounters.services.disclosure_create``), so it appears in the
patient's accounting of disclosures. A refusal is audited after the transaction that tried
the send has rolled back: the refusal stays on record while nothing of the send does.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lantern.accounts.models import CARE_ROLES, Role
from lantern.audit.models import Action, Category, Outcome
from lantern.audit.services import audit_record
from lantern.encounters import consent_rules
from lantern.encounters import services as visit_services
from lantern.encounters.choices import ConsentStatus, DisclosureBasis, DisclosureKind, Scope
from lantern.encounters.models import ConsentRecord
from lantern.referrals import careplan_links, partner, sharing
from lantern.referrals.models import (
    ConsentItems,
    HandoffNote,
    Referral,
    ReferralOrigin,
    ReferralStatus,
    ReferralStatusChange,
    Service,
)
from lantern.referrals.models.referral import NEXT_STATUSES

if TYPE_CHECKING:
    from lantern.accounts.models import Clinic, User
    from lantern.encounters.models import Encounter
    from lantern.patients.models import Patient
    from lantern.screening.models import ScreeningResult

# Advocates and social workers own referrals; clinicians and counselors may start them.
OWNER_ROLES = frozenset({Role.ADVOCATE})
START_ROLES = CARE_ROLES
SCOPE = Scope.DISCLOSE_REFERRAL


class ReferralError(Exception):
    """A referral change that cannot be made; the message is safe to show to staff."""


class ItemsNotConsented(ReferralError):
    """The consent covers the organisation, but not everything chosen to go with the referral."""

    def __init__(self, items: list[str]) -> None:
        self.items = items
        labels = dict(sharing.ShareItem.choices)
        super().__init__(
            _(
                "Not sent: the patient's consent does not cover %(items)s. Ask the patient "
                "and record their consent for these items, or take them off the referral."
            )
            % {"items": ", ".join(f"“{labels[item]}”" for item in items)}
        )


def recipient_of(service: Service) -> str:
    """Who a referral to ``service`` discloses to: the organisation that runs it."""
    return service.organization.name.strip()


def may_own(user: User) -> bool:
    return user.is_active and user.role in OWNER_ROLES


def _require_owner_role(actor: User) -> None:
    if not may_own(actor):
        raise ReferralError(_("Only an advocate or social worker can do this with a referral."))


def _require_active(service: Service) -> None:
    if not service.is_active:
        raise ReferralError(
            _(
                "“%(service)s” is marked %(status)s in the directory and takes no referrals. "
                "Choose another service."
            )
            % {"service": service.name, "status": service.get_status_display().lower()}
        )


def _audit(actor: User | None, referral: Referral, action: Action, detail: str) -> None:
    audit_record(
        action=action,
        actor=actor,
        patient_id=referral.patient_id,
        obj=referral,
        category=Category.SENSITIVE,
        detail=detail,
    )


def _change(
    referral: Referral, to: str, actor: User | None, note: str = "", by_partner: bool = False
) -> None:
    now = timezone.now()
    ReferralStatusChange.objects.create(
        referral=referral,
        from_status=referral.status,
        to_status=to,
        at=now,
        actor=actor,
        by_partner=by_partner,
        note=note,
    )
    referral.status, referral.status_at = to, now


@transaction.atomic
def referral_start(
    *,
    actor: User,
    patient: Patient,
    clinic: Clinic,
    service: Service,
    origin: str = ReferralOrigin.CHART,
    encounter: Encounter | None = None,
    screening_result: ScreeningResult | None = None,
    activity_id: int | None = None,
) -> Referral:
    """A draft referral carrying only the default items, owned by its advocate if one starts it."""
    if actor.role not in START_ROLES:
        raise ReferralError(_("Your role cannot start referrals."))
    if service.health_system_id != clinic.health_system_id:
        raise ReferralError(_("This service is not in your directory."))
    _require_active(service)
    referral = Referral(
        patient=patient,
        clinic=clinic,
        service=service,
        origin=origin,
        encounter=encounter,
        screening_result=screening_result,
        activity_id=activity_id,
        owner=actor if may_own(actor) else None,
        shared_items=list(sharing.DEFAULT_ITEMS),
        created_by=actor,
    )
    referral.save()
    ReferralStatusChange.objects.create(
        referral=referral, to_status=ReferralStatus.DRAFT, at=referral.status_at, actor=actor
    )
    _audit(actor, referral, Action.CREATE, f"referral started from {origin}")
    return referral


def _take(actor: User, referral: Referral) -> None:
    """An advocate acting on a referral nobody owns takes it on."""
    _require_owner_role(actor)
    if referral.owner_id is None:
        referral.owner = actor


@transaction.atomic
def referral_share_set(
    *, actor: User, referral: Referral, items: Iterable[str], message: str = ""
) -> Referral:
    """Choose, item by item, what goes with the referral (a draft only)."""
    _take(actor, referral)
    if not referral.is_draft:
        raise ReferralError(_("This referral was already sent; what it shared cannot change."))
    chosen = sharing.ordered(items)
    if sharing.ShareItem.MESSAGE in chosen and not message.strip():
        raise ReferralError(_("Write the message for the organisation, or do not send one."))
    referral.shared_items = chosen
    referral.message = message.strip() if sharing.ShareItem.MESSAGE in chosen else ""
    referral.save(update_fields=["shared_items", "message", "owner"])
    _audit(actor, referral, Action.UPDATE, f"referral items: {','.join(chosen) or 'none'}")
    return referral


@transaction.atomic
def referral_consent_record(
    *,
    actor: User,
    referral: Referral,
    status: str,
    method: str,
    items: Iterable[str] = (),
    expires_at: datetime.datetime | None = None,
    interpreter_used: bool = False,
    note: str = "",
) -> ConsentRecord:
    """The patient's decision about sharing with the service's organisation, naming items.

    It is a consent record like any other (the visit page shows it too), to share with the
    organisation by name; a "given" also keeps the items it covers.
    """
    _take(actor, referral)
    referral.save(update_fields=["owner"])
    record = visit_services.consent_record(
        actor=actor,
        patient=referral.patient,
        encounter=None,
        scope=SCOPE,
        status=status,
        method=method,
        interpreter_used=interpreter_used,
        recipient=recipient_of(referral.service),
        expires_at=expires_at,
        note=note,
    )
    if status == ConsentStatus.GIVEN:
        ConsentItems.objects.create(consent=record, items=sharing.ordered(items))
    return record


def consent_items(record_id: int | None) -> list[str] | None:
    """The items a consent record names (None: it names none, so covers the defaults)."""
    if record_id is None:
        return None
    found = ConsentItems.objects.filter(consent_id=record_id).first()
    return None if found is None else list(found.items)


def consent_now(referral: Referral) -> consent_rules.Decision:
    """Where the patient's consent to share with this referral's organisation stands now."""
    recipient = recipient_of(referral.service)
    (decision,) = visit_services.consent_decisions(referral.patient, None, [SCOPE], recipient)
    return decision


def _require_consent(referral: Referral) -> None:
    decision = consent_now(referral)
    if not decision.allowed:
        recipient = recipient_of(referral.service)
        facts = visit_services.consent_facts(referral.patient)
        covered = consent_rules.covered_recipients(facts, SCOPE, timezone.now())
        if decision.state == ConsentStatus.MISSING and covered:
            raise visit_services.RecipientNotCovered([decision], recipient, covered)
        raise visit_services.ConsentRequired([decision])
    missing = sharing.not_covered(referral.shared_items, consent_items(decision.record_id))
    if missing:
        raise ItemsNotConsented(missing)


def referral_send(*, actor: User, referral: Referral) -> partner.IssuedLink:
    """Send a draft: only with current consent for the organisation and every item chosen.

    The send is a disclosure in the patient's accounting; the partner gets a link for its
    answer (returned once, with its phone code; Lantern keeps only their hashes).
    """
    try:
        with transaction.atomic():
            return _send(actor, referral)
    except visit_services.ConsentRequired as refusal:
        states = ", ".join(f"{d.scope}={d.state}" for d in refusal.decisions)
        _audit_refusal(actor, referral, f"referral send refused without consent: {states}")
        raise
    except ReferralError as refusal:
        _audit_refusal(actor, referral, f"referral send refused: {type(refusal).__name__}")
        raise


def _audit_refusal(actor: User, referral: Referral, detail: str) -> None:
    audit_record(
        action=Action.DISCLOSE,
        actor=actor,
        patient_id=referral.patient_id,
        obj=referral if referral.pk else None,
        category=Category.CONSENT,
        outcome=Outcome.DENIED,
        detail=detail,
    )


def _send(actor: User, referral: Referral) -> partner.IssuedLink:
    referral = (
        Referral.objects.select_for_update()
        .select_related("service__organization")
        .get(pk=referral.pk)
    )
    _take(actor, referral)
    if not referral.is_draft:
        raise ReferralError(_("This referral was already sent."))
    _require_active(referral.service)
    if not referral.shared_items:
        raise ReferralError(_("Choose at least one item to share, or the partner cannot help."))
    content = partner.content_of(referral)
    _require_consent(referral)
    labels = dict(sharing.ShareItem.choices)
    disclosure = visit_services.disclosure_create(
        actor=actor,
        patient=referral.patient,
        encounter=referral.encounter if referral.encounter_id else None,
        kind=DisclosureKind.REFERRAL,
        recipient=recipient_of(referral.service),
        basis=DisclosureBasis.CONSENT,
        shared="; ".join(str(labels[item]) for item in referral.shared_items),
        reference=f"referral {referral.pk}",
    )
    referral.disclosure = disclosure
    referral.recipient = disclosure.recipient
    referral.sent_content = content
    _change(referral, ReferralStatus.SENT, actor)
    referral.save()
    _audit(actor, referral, Action.UPDATE, "referral sent")
    careplan_links.referral_waiting_add(referral, actor)
    return partner.partner_link_issue(actor=actor, referral=referral)


@transaction.atomic
def referral_status_set(
    *,
    actor: User | None,
    referral: Referral,
    status: str,
    note: str = "",
    by_partner: bool = False,
) -> Referral:
    """Move a referral on, by its owner or through the partner's link; "completed" closes
    what waits for it on the care plan."""
    if actor is not None and not by_partner:
        _take(actor, referral)
    if status not in NEXT_STATUSES[referral.status] or status == ReferralStatus.SENT:
        raise ReferralError(
            _("A referral that is %(now)s cannot become %(next)s.")
            % {
                "now": referral.get_status_display().lower(),
                "next": str(ReferralStatus(status).label).lower(),
            }
        )
    _change(referral, status, None if by_partner else actor, note, by_partner)
    referral.save()
    if status in (ReferralStatus.CANCELLED, ReferralStatus.DECLINED):
        partner.partner_links_revoke(referral)
    who = "partner" if by_partner else "staff"
    _audit(None if by_partner else actor, referral, Action.UPDATE, f"referral {status} ({who})")
    if status == ReferralStatus.COMPLETED:
        careplan_links.activity_close(referral, None if by_partner else actor)
    return referral


@transaction.atomic
def handoff_note_add(*, actor: User, referral: Referral, text: str) -> HandoffNote:
    """A warm hand-off note for the clinic's own record; it never goes to the partner."""
    _take(actor, referral)
    referral.save(update_fields=["owner"])
    if not text.strip():
        raise ReferralError(_("Write what was arranged in the hand-off."))
    note = HandoffNote.objects.create(referral=referral, text=text.strip(), written_by=actor)
    _audit(actor, referral, Action.CREATE, "hand-off note added")
    return note
