"""Every combination of preferences and message: nothing unsafe is ever sent.

The product runs over each preference dimension of the contact plan and of both channels
Lantern can send by (SMS and email), the message kinds and the clinic's rules. For each
combination an independent statement of the rules says which channels are allowed; the
policy must never send on any other, and must send when one is allowed.
"""

from __future__ import annotations

import datetime
import itertools
import zoneinfo

from lantern.careplans.reminders import (
    ChannelPreference,
    ClinicRules,
    ContactPreferences,
    Message,
    decide,
    is_neutral,
)
from lantern.patients.contact_windows import is_open

TZ = zoneinfo.ZoneInfo("America/New_York")
NOW = datetime.datetime(2026, 12, 2, 10, 0, tzinfo=TZ)  # Wednesday
TODAY = NOW.date()
APPOINTMENT_AT = datetime.datetime(2026, 12, 4, 10, 0, tzinfo=TZ)  # Friday
MESSAGES = (Message("appointment", at=APPOINTMENT_AT), Message("follow-up"))
FRESH, STALE = TODAY - datetime.timedelta(days=10), TODAY - datetime.timedelta(days=120)

SAFETY = ("safe", "unsafe", "unknown")
DESTINATION = (True, False)
WINDOWS = {
    "none": (),
    "open": ({"days": [2], "start": "09:00", "end": "11:00"},),
    "later": ({"days": [3], "start": "18:00", "end": "19:00"},),  # Thursday evening
    "too-late": ({"days": [5], "start": "09:00", "end": "10:00"},),  # Saturday
}
CODE_WORDS = ("", "sunflower")
WORDING = ("", "See you soon", "Your test results are ready")
CHANNEL_CONFIRMED = (None, FRESH, STALE)


def channel_states(kind):
    yield None  # no such channel recorded
    for safety, destination, windows, code, wording, confirmed in itertools.product(
        SAFETY, DESTINATION, WINDOWS, CODE_WORDS, WORDING, CHANNEL_CONFIRMED
    ):
        yield ChannelPreference(
            kind=kind,
            safety=safety,
            has_destination=destination,
            windows=WINDOWS[windows],
            code_word=code,
            approved_wording=wording,
            confirmed_on=confirmed,
        )


OTHER_CHANNELS = (
    (),
    (ChannelPreference("call", "safe", True), ChannelPreference("post", "safe", True)),
)


def allowed(channel, message, rules):
    """The rules stated again, independently: may this channel carry this message now?"""
    if channel is None or channel.safety != "safe" or not channel.has_destination:
        return False
    if channel.confirmed_on is not None and (TODAY - channel.confirmed_on).days > 90:
        return False
    if rules.require_code_word and not channel.code_word:
        return False
    if "test" in channel.approved_wording.lower():
        return False
    windows = channel.windows
    # Saturday's window opens only after Friday's appointment.
    return not (message.kind == "appointment" and windows and windows[0]["days"] == [5])


def check(preferences, message, rules, decision):
    sms, email = preferences.channel("sms"), preferences.channel("email")
    if preferences.do_not_contact:
        assert (decision.outcome, decision.reason) == ("withhold", "do_not_contact")
        return
    if preferences.confirmed_on is None or (TODAY - preferences.confirmed_on).days > 90:
        assert decision.outcome == "staff_task"
        return
    may = {
        kind
        for kind, channel in (("sms", sms), ("email", email))
        if allowed(channel, message, rules)
    }
    if not decision.sends:
        assert not may, (preferences, message, rules, decision)
        assert decision.outcome == "withhold"
        assert not decision.text
        return
    assert decision.channel in may, (preferences, message, rules, decision)
    chosen = preferences.channel(decision.channel)
    assert decision.send_at is not None
    assert decision.send_at >= NOW
    assert is_open(chosen.windows, decision.send_at.astimezone(TZ).replace(tzinfo=None))
    if message.at is not None:
        assert decision.send_at < message.at
    assert is_neutral(decision.text)
    if chosen.code_word:
        assert decision.text.startswith(("Code word: sunflower.", "Palabra clave: sunflower."))
    else:
        assert "sunflower" not in decision.text
    assert (
        decision.text.startswith(("Palabra", "Recordatorio", "Hola"))
        is (preferences.language == "es")
        or chosen.approved_wording
    )


def counterpart_states(kind):
    """The other channel in each state that leads somewhere different."""
    return (
        None,
        ChannelPreference(kind, "unsafe", True),
        ChannelPreference(kind, "safe", True),
        ChannelPreference(kind, "safe", True, WINDOWS["later"], code_word="sunflower"),
    )


def test_no_combination_of_preferences_sends_anything_unsafe():
    """Every state of one channel x every class of state of the other x everything else."""
    counts = {"send": 0, "withhold": 0, "staff_task": 0}
    for varied, other in (("sms", "email"), ("email", "sms")):
        for (
            channel,
            counterpart,
            do_not_contact,
            confirmed,
            language,
            others,
            message,
            rules,
        ) in itertools.product(
            list(channel_states(varied)),
            counterpart_states(other),
            (False, True),
            (None, FRESH, STALE),
            ("en", "es"),
            OTHER_CHANNELS,
            MESSAGES,
            (ClinicRules(), ClinicRules(require_code_word=True)),
        ):
            channels = tuple(c for c in (channel, counterpart) if c) + others
            preferences = ContactPreferences(do_not_contact, confirmed, channels, language)
            decision = decide(preferences, message, rules=rules, now=NOW, tz=TZ)
            check(preferences, message, rules, decision)
            counts[decision.outcome] += 1
    assert all(counts.values()), counts  # every outcome was reached
    states = 1 + len(SAFETY) * len(DESTINATION) * len(WINDOWS) * len(CODE_WORDS) * len(
        WORDING
    ) * len(CHANNEL_CONFIRMED)
    assert sum(counts.values()) == 2 * states * 4 * 2 * 3 * 2 * 2 * 2 * 2, counts
