"""What the program reports count, and the words for it.

Every measure is counted per month and clinic, and by up to two categories of its own. Its
categories are fixed vocabularies (instruments, consent scopes, needs...), never free text;
months are the finest dates a report holds.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from lantern.careplans.models import Status as ActivityStatus
from lantern.encounters.choices import Scope
from lantern.patients.age import age_on
from lantern.patients.choices import LANGUAGES, GenderIdentity
from lantern.referrals import taxonomy
from lantern.referrals.models import ReferralStatus
from lantern.screening import instruments

OVERDUE = "overdue"
NO_NEED = "none"
MET, NOT_MET = "met", "not_met"
NPEP, EC = "npep", "ec"
NPEP_CODE, EC_CODE = "hiv-npep", "emergency-contraception"  # the protocol's activity codes
NPEP_HOURS, EC_HOURS = 72, 120
INDICATORS = "lantern-indicators"
UNKNOWN = "unknown"

# Days from the visit (or the activity's creation) to the follow-up being done.
FOLLOW_UP_BANDS: tuple[tuple[str, int | None, Promise], ...] = (
    ("0-3", 3, _("Within 3 days")),
    ("4-7", 7, _("4 to 7 days")),
    ("8-14", 14, _("8 to 14 days")),
    ("15-30", 30, _("15 to 30 days")),
    ("31-90", 90, _("31 to 90 days")),
    ("90+", None, _("More than 90 days")),
)
# Age in whole years at the visit; (code, lowest age, label).
AGE_BANDS: tuple[tuple[str, int, Promise], ...] = (
    ("0-17", 0, _("Under 18")),
    ("18-24", 18, _("18 to 24")),
    ("25-34", 25, _("25 to 34")),
    ("35-44", 35, _("35 to 44")),
    ("45-64", 45, _("45 to 64")),
    ("65+", 65, _("65 and over")),
)


def follow_up_band(days: float) -> str:
    for code, most, _label in FOLLOW_UP_BANDS:
        if most is None or days <= most:
            return code
    raise AssertionError("the last band is open-ended")


def age_band(
    birth_date: datetime.date | None,
    estimated_age: int | None,
    estimated_on: datetime.date | None,
    on: datetime.date,
) -> str:
    """The age band on ``on``, from an exact birth date or a dated estimate."""
    if birth_date is not None:
        age = age_on(birth_date, on)
    elif estimated_age is not None and estimated_on is not None:
        age = estimated_age + age_on(estimated_on, on)
    else:
        return UNKNOWN
    code = AGE_BANDS[0][0]
    for band, lowest, _label in AGE_BANDS:
        if age >= lowest:
            code = band
    return code


Labels = Callable[[], list[tuple[str, str]]]


def _choices(pairs: object) -> Labels:
    return lambda: [(str(code), str(label)) for code, label in pairs]  # type: ignore[attr-defined]


def _instruments() -> list[tuple[str, str]]:
    return [
        (item.id, item.abbreviation)
        for item in instruments.all_instruments().values()
        if not item.decision_support_only
    ]


def _needs() -> list[tuple[str, str]]:
    return [(term.code, str(term.label)) for term in taxonomy.NEEDS] + [
        (NO_NEED, str(_("No need recorded")))
    ]


def _bands(bands: tuple[tuple[str, object, Promise], ...], unknown: bool = False) -> Labels:
    def labels() -> list[tuple[str, str]]:
        found = [(code, str(label)) for code, _limit, label in bands]
        return found + ([(UNKNOWN, str(_("Unknown")))] if unknown else [])

    return labels


@dataclass(frozen=True)
class Dimension:
    key: str
    title: Promise
    labels: Labels


@dataclass(frozen=True)
class Measure:
    key: str
    title: Promise
    counts: Promise  # what one count is
    dimensions: tuple[Dimension, ...] = field(default=())


INSTRUMENT = Dimension("instrument", _("Instrument"), _instruments)
SCOPE = Dimension("scope", _("Consent scope"), _choices(Scope.choices))
NEED = Dimension("need", _("Need"), _needs)
REFERRAL_OUTCOME = Dimension(
    "outcome",
    _("Outcome"),
    _choices([(c, label) for c, label in ReferralStatus.choices if c != ReferralStatus.DRAFT]),
)
FOLLOW_UP_STATUS = Dimension(
    "status",
    _("Status"),
    _choices(
        [
            (ActivityStatus.DONE, ActivityStatus.DONE.label),
            (ActivityStatus.MISSED, ActivityStatus.MISSED.label),
            (OVERDUE, _("Overdue")),
        ]
    ),
)
FOLLOW_UP_TIME = Dimension("days", _("Time to follow-up"), _bands(FOLLOW_UP_BANDS))
WINDOW = Dimension(
    "window",
    _("Urgent window"),
    _choices(
        [(NPEP, _("HIV nPEP within 72 hours")), (EC, _("Emergency contraception within 120 hours"))]
    ),
)
WINDOW_OUTCOME = Dimension("met", _("Window"), _choices([(MET, _("Met")), (NOT_MET, _("Not met"))]))
AGE = Dimension("age", _("Age band"), _bands(AGE_BANDS, unknown=True))
GENDER = Dimension("gender", _("Gender identity"), _choices(GenderIdentity.choices))
LANGUAGE = Dimension("language", _("Preferred language"), _choices(LANGUAGES))

MEASURES: tuple[Measure, ...] = (
    Measure("seen", _("Patients seen"), _("people with a visit")),
    Measure("screened", _("People screened"), _("people with a completed screening")),
    Measure("positive", _("Positive screens"), _("people with a positive screen"), (INSTRUMENT,)),
    Measure("indicators", _("Indicator concerns"), _("people with indicators recorded")),
    Measure(
        "consent",
        _("Visits with consent declined or withdrawn"),
        _("visits"),
        (SCOPE,),
    ),
    Measure("referrals", _("Referrals"), _("referrals for a need"), (NEED, REFERRAL_OUTCOME)),
    Measure("follow_ups", _("Follow-ups"), _("care-plan activities"), (FOLLOW_UP_STATUS,)),
    Measure("follow_up_time", _("Time to follow-up"), _("follow-ups done"), (FOLLOW_UP_TIME,)),
    Measure("urgent", _("Urgent windows"), _("urgent windows"), (WINDOW, WINDOW_OUTCOME)),
    Measure("age", _("Patients seen by age band"), _("people with a visit"), (AGE,)),
    Measure("gender", _("Patients seen by gender identity"), _("people with a visit"), (GENDER,)),
    Measure(
        "language", _("Patients seen by preferred language"), _("people with a visit"), (LANGUAGE,)
    ),
)
BY_KEY = {measure.key: measure for measure in MEASURES}
# Measures that count the same people: each clinic's total is one figure, shown in all four.
SAME_PEOPLE = ("seen", "age", "gender", "language")
