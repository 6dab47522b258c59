"""What Lantern may send a patient, when, and in what words: pure Python, no Django.

A reminder to a patient is decided from the patient's safe-contact preferences alone,
copied into plain values (``ContactPreferences``, ``ChannelPreference``), the kind of
message, the clinic's rules (``ClinicRules``: the re-confirmation period, whether a code
word is required) and the moment of asking::

    from lantern.careplans import reminders

    decision = reminders.decide(preferences, reminders.Message(kind="appointment", at=when),
                                rules=reminders.ClinicRules(), now=now, tz=clinic_zone)
    decision.outcome    # "send", "withhold" or "staff_task"
    decision.reason     # a code from REASONS: why (also when it sends)
    decision.channel    # "sms" or "email" when it sends
    decision.send_at    # the earliest moment inside the channel's safe window
    decision.text       # the neutral wording, with the code word where one is set

"Do not contact" is absolute: it withholds everything, even a staff task to re-confirm
(which would lead someone to contact the patient). Preferences older than the clinic's
re-confirmation period (or never confirmed) ask staff to re-confirm them instead of
messaging. Only a channel the patient marked safe, with a destination, is ever used, and
only inside its time windows.
"""

from __future__ import annotations

from lantern.careplans.reminders.policy import (
    AUTOMATIC_CHANNELS,
    MESSAGE_KINDS,
    OUTCOMES,
    REASONS,
    ClinicRules,
    Decision,
    Message,
    decide,
)
from lantern.careplans.reminders.preferences import ChannelPreference, ContactPreferences
from lantern.careplans.reminders.wording import (
    NOT_NEUTRAL,
    is_neutral,
    render,
    subject,
)

__all__ = [
    "AUTOMATIC_CHANNELS",
    "MESSAGE_KINDS",
    "NOT_NEUTRAL",
    "OUTCOMES",
    "REASONS",
    "ChannelPreference",
    "ClinicRules",
    "ContactPreferences",
    "Decision",
    "Message",
    "decide",
    "is_neutral",
    "render",
    "subject",
]
