"""A patient's safe-contact preferences as plain, frozen values.

They mirror the registry's contact plan and contact channels (``lantern.patients``) without
depending on them: the Django side copies a patient's rows into these before asking.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

CHANNEL_KINDS = ("call", "sms", "email", "post")
SAFETY = ("safe", "unsafe", "unknown")


@dataclass(frozen=True)
class ChannelPreference:
    """One way of reaching the patient and when it is safe.

    ``safety`` is ``"safe"`` only when the patient said so; ``"unknown"`` (not yet asked)
    is never treated as safe. ``windows`` are ``{"days": [0..6], "start": "HH:MM", "end":
    "HH:MM"}`` in the clinic's local time; none recorded means no time limit.
    """

    kind: str
    safety: str = "unknown"
    has_destination: bool = False
    windows: Sequence[Mapping[str, Any]] = ()
    code_word: str = ""
    approved_wording: str = ""
    confirmed_on: datetime.date | None = None

    def __post_init__(self) -> None:
        if self.kind not in CHANNEL_KINDS:
            raise ValueError(f"unknown channel {self.kind!r}")
        if self.safety not in SAFETY:
            raise ValueError(f"unknown safety {self.safety!r}")


@dataclass(frozen=True)
class ContactPreferences:
    """Whether, and how, the clinic may reach the patient outside a visit.

    ``confirmed_on`` is when the whole plan was last confirmed with the patient;
    ``language`` is the patient's preferred language (BCP 47 tag).
    """

    do_not_contact: bool = False
    confirmed_on: datetime.date | None = None
    channels: tuple[ChannelPreference, ...] = field(default_factory=tuple)
    language: str = "en"

    def channel(self, kind: str) -> ChannelPreference | None:
        return next((channel for channel in self.channels if channel.kind == kind), None)
