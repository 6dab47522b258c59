"""Reminder policy, table by table: each row is one patient's preferences and what happens."""

from __future__ import annotations

import ast
import datetime
import sys
import zoneinfo
from pathlib import Path

import pytest

import lantern.careplans.reminders as package
from lantern.careplans.reminders import (
    ChannelPreference,
    ClinicRules,
    ContactPreferences,
    Message,
    decide,
    is_neutral,
    render,
)
from lantern.careplans.reminders.wording import TEMPLATES

TZ = zoneinfo.ZoneInfo("America/New_York")
# Wednesday 2 December 2026, 10:00 in New York.
NOW = datetime.datetime(2026, 12, 2, 10, 0, tzinfo=TZ)
TODAY = NOW.date()
APPOINTMENT = Message("appointment", at=NOW + datetime.timedelta(days=2))
FOLLOW_UP = Message("follow-up")
MORNINGS = ({"days": [0, 1, 2, 3, 4], "start": "09:00", "end": "12:00"},)
EVENINGS = ({"days": [0, 1, 2, 3, 4], "start": "18:00", "end": "20:00"},)
SATURDAY = ({"days": [5], "start": "10:00", "end": "11:00"},)


def sms(**overrides):
    values = {"kind": "sms", "safety": "safe", "has_destination": True}
    return ChannelPreference(**(values | overrides))


def email(**overrides):
    values = {"kind": "email", "safety": "safe", "has_destination": True}
    return ChannelPreference(**(values | overrides))


def prefs(*channels, **overrides):
    values = {"confirmed_on": TODAY - datetime.timedelta(days=10), "channels": channels}
    return ContactPreferences(**(values | overrides))


DEFAULT_RULES = ClinicRules()


def run(preferences, message=APPOINTMENT, rules=DEFAULT_RULES, now=NOW):
    return decide(preferences, message, rules=rules, now=now, tz=TZ)


@pytest.mark.parametrize(
    ("preferences", "outcome", "reason", "channel"),
    [
        (prefs(sms()), "send", "sent_now", "sms"),
        (prefs(email()), "send", "sent_now", "email"),
        (prefs(sms(), do_not_contact=True), "withhold", "do_not_contact", ""),
        # do not contact beats stale preferences: no staff task that would contact them
        (prefs(sms(), do_not_contact=True, confirmed_on=None), "withhold", "do_not_contact", ""),
        (prefs(sms(), confirmed_on=None), "staff_task", "preferences_unconfirmed", ""),
        (
            prefs(sms(), confirmed_on=TODAY - datetime.timedelta(days=91)),
            "staff_task",
            "preferences_stale",
            "",
        ),
        (prefs(sms(), confirmed_on=TODAY - datetime.timedelta(days=90)), "send", "sent_now", "sms"),
        (prefs(), "withhold", "no_safe_channel", ""),
        (prefs(sms(safety="unknown")), "withhold", "no_safe_channel", ""),
        (prefs(sms(safety="unsafe"), email(safety="unsafe")), "withhold", "no_safe_channel", ""),
        # Lantern never calls or posts by itself, however safe
        (
            prefs(ChannelPreference("call", "safe", True), ChannelPreference("post", "safe", True)),
            "withhold",
            "no_safe_channel",
            "",
        ),
        (prefs(sms(has_destination=False)), "withhold", "no_destination", ""),
        (prefs(sms(has_destination=False), email()), "send", "sent_now", "email"),
        (prefs(sms(safety="unsafe"), email()), "send", "sent_now", "email"),
        (
            prefs(sms(confirmed_on=TODAY - datetime.timedelta(days=200))),
            "withhold",
            "channel_stale",
            "",
        ),
        (prefs(sms(windows=EVENINGS)), "send", "deferred_to_window", "sms"),
        (prefs(sms(windows=EVENINGS), email(windows=MORNINGS)), "send", "sent_now", "email"),
        (
            prefs(sms(approved_wording="Your HIV results are in")),
            "withhold",
            "wording_not_neutral",
            "",
        ),
        (prefs(sms(approved_wording="Hi from Ana, see you")), "send", "sent_now", "sms"),
    ],
)
def test_decisions(preferences, outcome, reason, channel):
    decision = run(preferences)
    assert (decision.outcome, decision.reason, decision.channel) == (outcome, reason, channel)
    assert bool(decision.text) is (outcome == "send")


def test_the_clinic_chooses_its_reconfirmation_period():
    preferences = prefs(sms(), confirmed_on=TODAY - datetime.timedelta(days=40))
    assert run(preferences).sends
    assert run(preferences, rules=ClinicRules(reconfirm_days=30)).reason == "preferences_stale"


def test_a_required_code_word_that_is_missing_withholds():
    rules = ClinicRules(require_code_word=True)
    assert run(prefs(sms()), rules=rules).reason == "code_word_missing"
    assert run(prefs(sms(code_word="sunflower")), rules=rules).sends


def test_the_code_word_opens_the_message():
    decision = run(prefs(sms(code_word="sunflower")))
    assert decision.text.startswith("Code word: sunflower.")


@pytest.mark.parametrize(
    ("windows", "expected"),
    [
        (MORNINGS, NOW),  # open now
        (EVENINGS, datetime.datetime(2026, 12, 2, 18, 0, tzinfo=TZ)),  # later today
        (
            ({"days": [3], "start": "08:00", "end": "09:00"},),
            datetime.datetime(2026, 12, 3, 8, 0, tzinfo=TZ),
        ),
        (SATURDAY, None),  # the appointment is on Friday: too late
    ],
)
def test_outside_the_window_waits_for_the_next_window_start(windows, expected):
    decision = run(prefs(sms(windows=windows)))
    if expected is None:
        assert (decision.outcome, decision.reason) == ("withhold", "window_after_event")
    else:
        assert decision.send_at == expected


def test_a_follow_up_reminder_has_no_deadline_and_waits_up_to_a_week():
    decision = run(
        prefs(sms(windows=({"days": [2], "start": "08:00", "end": "09:00"},))), FOLLOW_UP
    )
    assert decision.send_at == datetime.datetime(2026, 12, 9, 8, 0, tzinfo=TZ)


def test_a_window_past_midnight_is_open_in_the_small_hours():
    late = ({"days": [1], "start": "22:00", "end": "02:00"},)  # Tuesday night
    decision = run(prefs(sms(windows=late)), now=datetime.datetime(2026, 12, 2, 1, 0, tzinfo=TZ))
    assert decision.reason == "sent_now"


def test_a_window_start_skipped_by_the_clock_change_is_not_chosen():
    # 8 March 2026: clocks jump from 02:00 to 03:00 in New York.
    skipped = ({"days": [6], "start": "02:30", "end": "02:45"}, *SATURDAY)
    now = datetime.datetime(2026, 3, 7, 12, 0, tzinfo=TZ)
    decision = run(prefs(sms(windows=skipped)), FOLLOW_UP, now=now)
    assert decision.send_at is not None
    assert decision.send_at == datetime.datetime(2026, 3, 7, 12, 0, tzinfo=TZ).replace(
        day=14, hour=10
    )


def test_spanish_speakers_get_the_spanish_wording_others_english():
    assert run(prefs(sms(), language="es")).text.startswith(
        "Recordatorio: tiene una cita el viernes"
    )
    assert run(prefs(sms(), language="pt")).text.startswith("Reminder: you have an appointment")


def test_the_appointment_time_is_in_the_clinic_time_zone():
    at = datetime.datetime(2026, 12, 4, 15, 30, tzinfo=datetime.UTC)
    decision = run(prefs(sms()), Message("appointment", at=at))
    assert "Friday 4 December at 10:30" in decision.text


@pytest.mark.parametrize("kind", sorted(TEMPLATES))
@pytest.mark.parametrize("language", ["en", "es"])
def test_every_approved_template_is_neutral(kind, language):
    text = render(kind, language, at=NOW, code_word="sol")
    assert is_neutral(text)
    assert "sol" in text


@pytest.mark.parametrize(
    "text",
    [
        "Your clinic appointment",
        "Resultados de su prueba",
        "Time for your vaccine",
        "Visite la clínica",
        "SHELTER intake",
        "Tratamiento listo",
    ],
)
def test_wording_that_names_the_care_is_not_neutral(text):
    assert not is_neutral(text)


def test_the_decision_kept_names_no_text_or_destination():
    decision = run(prefs(sms(code_word="sunflower")))
    assert set(decision.as_dict()) == {"outcome", "reason", "channel", "send_at"}
    assert "sunflower" not in repr(decision.as_dict())


def test_the_policy_imports_no_django():
    allowed = sys.stdlib_module_names | {"__future__"}
    for path in Path(package.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                top = node.module
                assert (
                    top.split(".")[0] in allowed
                    or top.startswith("lantern.careplans.reminders")
                    or top == "lantern.patients.contact_windows"
                ), f"{path.name} imports {top}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    assert alias.name.split(".")[0] in allowed, f"{path.name} imports {alias.name}"
