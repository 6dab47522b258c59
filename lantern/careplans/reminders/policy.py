"""The reminder decision: send on which channel and when, or why not.

Checks run in a fixed order, the safest first, and the first that fails decides:

1. ``do_not_contact``: the patient asked not to be contacted. Absolute; no staff task
   either, since re-confirming would itself contact them.
2. ``preferences_unconfirmed`` / ``preferences_stale``: never confirmed, or confirmed
   longer ago than the clinic's re-confirmation period: a staff task to re-confirm them.
3. Per channel that can carry the message (SMS, email; Lantern never calls or posts by
   itself): it must be marked safe, have a destination, be confirmed recently enough
   itself, have a code word when the clinic requires one, and its wording must be neutral.
   When none qualifies the reason names what stopped the best candidate
   (``no_safe_channel``, ``no_destination``, ``channel_stale``, ``code_word_missing``,
   ``wording_not_neutral``).
4. Time: the earliest moment at or after ``now`` inside the channel's windows
   (``sent_now`` or ``deferred_to_window``); a channel whose next window opens only after
   the message stops being useful is skipped (``window_after_event``).

Among qualifying channels the one that can send soonest wins; SMS before email on a tie.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from lantern.careplans.reminders import wording
from lantern.careplans.reminders.preferences import ChannelPreference, ContactPreferences
from lantern.patients.contact_windows import next_open

AUTOMATIC_CHANNELS = ("sms", "email")
MESSAGE_KINDS: dict[str, tuple[str, ...]] = {
    "appointment": AUTOMATIC_CHANNELS,  # an upcoming appointment, with its day and time
    "follow-up": AUTOMATIC_CHANNELS,  # something is due: please get in touch
}
OUTCOMES = ("send", "withhold", "staff_task")
SEND_REASONS = ("sent_now", "deferred_to_window")
STAFF_TASK_REASONS = ("preferences_unconfirmed", "preferences_stale")
CHANNEL_REASONS = (  # from the safest refusal to the most specific
    "no_safe_channel",
    "no_destination",
    "channel_stale",
    "code_word_missing",
    "wording_not_neutral",
    "window_after_event",
)
REASONS = (*SEND_REASONS, "do_not_contact", *STAFF_TASK_REASONS, *CHANNEL_REASONS)
DEFAULT_RECONFIRM_DAYS = 90


@dataclass(frozen=True)
class ClinicRules:
    """A clinic's reminder rules."""

    reconfirm_days: int = DEFAULT_RECONFIRM_DAYS
    require_code_word: bool = False


@dataclass(frozen=True)
class Message:
    """What to remind of. ``at``: the appointment's time (aware); ``useful_until``: after
    this moment sending is pointless (an appointment's start by default)."""

    kind: str
    at: datetime.datetime | None = None
    useful_until: datetime.datetime | None = None

    def __post_init__(self) -> None:
        if self.kind not in MESSAGE_KINDS:
            raise ValueError(f"unknown message kind {self.kind!r}")
        if self.kind == "appointment" and self.at is None:
            raise ValueError("an appointment reminder needs the appointment's time")

    @property
    def deadline(self) -> datetime.datetime | None:
        return self.useful_until or self.at


@dataclass(frozen=True)
class Decision:
    outcome: str
    reason: str
    channel: str = ""
    send_at: datetime.datetime | None = None
    text: str = ""
    language: str = "en"

    @property
    def sends(self) -> bool:
        return self.outcome == "send"

    def as_dict(self) -> dict[str, Any]:
        """What is stored about the decision: never the text or the destination."""
        return {
            "outcome": self.outcome,
            "reason": self.reason,
            "channel": self.channel,
            "send_at": self.send_at.isoformat() if self.send_at else None,
        }


def decide(
    preferences: ContactPreferences,
    message: Message,
    *,
    rules: ClinicRules,
    now: datetime.datetime,
    tz: datetime.tzinfo,
) -> Decision:
    """Decide one reminder (see the module docstring for the order of the checks)."""
    if preferences.do_not_contact:
        return Decision("withhold", "do_not_contact")
    today = now.astimezone(tz).date()
    if preferences.confirmed_on is None:
        return Decision("staff_task", "preferences_unconfirmed")
    if _stale(preferences.confirmed_on, today, rules):
        return Decision("staff_task", "preferences_stale")
    language = wording.language_for(preferences.language)
    refusals: list[str] = []
    offers: list[Decision] = []
    for kind in MESSAGE_KINDS[message.kind]:
        channel = preferences.channel(kind)
        result = _try_channel(channel, kind, message, rules, now, tz, language)
        if isinstance(result, Decision):
            offers.append(result)
        else:
            refusals.append(result)
    if offers:
        return min(offers, key=lambda offer: offer.send_at or now)
    worst = max((CHANNEL_REASONS.index(reason) for reason in refusals), default=0)
    return Decision("withhold", CHANNEL_REASONS[worst])


def _stale(confirmed_on: datetime.date, today: datetime.date, rules: ClinicRules) -> bool:
    return (today - confirmed_on).days > rules.reconfirm_days


def _try_channel(
    channel: ChannelPreference | None,
    kind: str,
    message: Message,
    rules: ClinicRules,
    now: datetime.datetime,
    tz: datetime.tzinfo,
    language: str,
) -> Decision | str:
    """A send decision on this channel, or the reason it cannot carry the message."""
    if channel is None or channel.safety != "safe":
        return "no_safe_channel"
    if not channel.has_destination:
        return "no_destination"
    if channel.confirmed_on is not None and _stale(
        channel.confirmed_on, now.astimezone(tz).date(), rules
    ):
        return "channel_stale"
    if rules.require_code_word and not channel.code_word.strip():
        return "code_word_missing"
    local_at = message.at.astimezone(tz) if message.at is not None else None
    text = wording.render(
        message.kind,
        language,
        at=local_at,
        code_word=channel.code_word,
        approved_wording=channel.approved_wording,
    )
    if not wording.is_neutral(text):
        return "wording_not_neutral"
    send_at = next_open(channel.windows, now, tz)
    deadline = message.deadline
    if send_at is None or (deadline is not None and send_at >= deadline):
        return "window_after_event"
    reason = "sent_now" if send_at == now else "deferred_to_window"
    return Decision("send", reason, kind, send_at, text, language)
