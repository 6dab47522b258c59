"""The facts contract filled from what Lantern already holds, never retyped.

* From the visit's follow-up assessment: exposure time (exact, approximate or unknown),
  nPEP (started here or elsewhere, and when), EC, prophylaxis, vaccines, HIV status and
  test, pregnancy, long-term conditions, and the physical signs of an STI seen at the exam.
* From the registry: age in whole years at the assessment and sex at birth.
* From screening sessions: the instruments found positive in the ``SCREEN_LOOKBACK`` days up
  to the assessment (their recall periods are two weeks and one month).

A vaccine dose given at the visit is the plan's first dose of its series, recorded as done,
so later doses count from it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from lantern.careplans import protocols
from lantern.encounters.choices import ExposureTime, HbvImmunity, NpepStart, Pregnancy
from lantern.encounters.models import FollowUpAssessment
from lantern.patients.models import Patient
from lantern.screening.models import ScreeningResult

SCREEN_LOOKBACK = datetime.timedelta(days=31)
# Screening instrument id -> the facts contract's code for a positive screen.
SCREEN_CODES = {
    "phq-9": "phq9",
    "phq-2": "phq2",
    "gad-7": "gad7",
    "gad-2": "gad2",
    "pc-ptsd-5": "pcptsd5",
    "asq": "asq",
}
# Activities caused by a positive screen: their origin is that screening session too.
SCREEN_RULES = frozenset({"asq-positive", "positive-screen-rescreen"})
# Sex at birth in the registry -> the facts contract (unknown is planned as intersex: the
# clinician decides what is offered, nothing is silently dropped).
SEXES = {"female": "female", "male": "male", "intersex": "intersex"}


class FactsUnavailable(ValueError):
    """The facts cannot be made (e.g. the patient's age is unknown); say what is missing."""


@dataclass(frozen=True)
class VisitFacts:
    facts: protocols.Facts
    done: dict[str, datetime.datetime] = field(default_factory=dict)
    # positive screen code -> the screening session it came from
    screen_sessions: dict[str, int] = field(default_factory=dict)


def positive_screens(patient: Patient, at: datetime.datetime) -> dict[str, int]:
    """Positive screens in the lookback window: code -> the newest session that found it."""
    found: dict[str, int] = {}
    results = (
        ScreeningResult.objects.filter(
            patient=patient,
            positive=True,
            recorded_at__gte=at - SCREEN_LOOKBACK,
            recorded_at__lte=at,
            instrument_id__in=SCREEN_CODES,
        )
        .order_by("-recorded_at")
        .values_list("instrument_id", "session_id")
    )
    for instrument_id, session_id in results:
        found.setdefault(SCREEN_CODES[instrument_id], session_id)
    return found


def _local(moment: datetime.datetime | None) -> datetime.datetime | None:
    return None if moment is None else timezone.localtime(moment)


def facts_for(
    assessment: FollowUpAssessment,
    patient: Patient,
    *,
    screens: dict[str, int] | None = None,
    age_if_unknown: int | None = None,
) -> protocols.Facts:
    """The facts contract for one visit's assessment; FactsUnavailable or FactsError.

    ``age_if_unknown``: the age to plan with when the registry has none (decision support
    for the urgent windows only; a stored plan needs the real age).
    """
    assessed = timezone.localtime(assessment.assessed_at)
    age = patient.age(assessed.date())
    if age is None:
        age = age_if_unknown
    if age is None:
        raise FactsUnavailable("age")
    pregnant = {Pregnancy.PREGNANT: True, Pregnancy.NOT_PREGNANT: False}.get(
        assessment.pregnancy  # type: ignore[call-overload]
    )
    immune = {HbvImmunity.IMMUNE: True, HbvImmunity.NOT_IMMUNE: False}.get(
        assessment.hbv_immune  # type: ignore[call-overload]
    )
    screens = positive_screens(patient, assessed) if screens is None else screens
    npep_at = None if assessment.npep == NpepStart.NOT_STARTED else assessment.npep_started_at
    return protocols.Facts(
        assessed_at=assessed,
        exposure_at=_local(assessment.exposure_at),
        exposure_approximate=assessment.exposure_time == ExposureTime.APPROXIMATE,
        age_years=age,
        sex_at_birth=SEXES.get(patient.sex_at_birth, "intersex"),
        pregnant=pregnant,
        hiv_status=assessment.hiv_status,
        hiv_test_generation=int(assessment.hiv_test_generation)
        if assessment.hiv_test_generation
        else None,
        npep_started_at=_local(npep_at),
        ec_given=assessment.ec_given,
        prophylaxis_given=assessment.prophylaxis_given,
        hbv_immune=immune,
        hbv_vaccine_doses=assessment.hbv_doses_before,
        hpv_vaccine_doses=assessment.hpv_doses_before,
        chronic_conditions=tuple(assessment.chronic_conditions),
        positive_screens=tuple(screens),
        sti_signs=tuple(assessment.sti_signs),
    )


def doses_given_now(
    protocol: protocols.Protocol, facts: protocols.Facts, assessment: FollowUpAssessment
) -> dict[str, datetime.datetime]:
    """The plan's next dose of each vaccine given at this visit, done at the assessment."""
    given = {
        "hbv-vaccine-dose": assessment.hbv_dose_given,
        "hpv-vaccine-dose": assessment.hpv_dose_given,
    }
    done: dict[str, datetime.datetime] = {}
    for activity in protocols.plan(protocol, facts).activities:
        if given.get(activity.code) and activity.code not in {
            protocol.activities_by_id[key].code for key in done
        }:
            done[activity.id] = facts.assessed_at
    return done


def visit_facts(
    protocol: protocols.Protocol,
    assessment: FollowUpAssessment,
    patient: Patient,
    *,
    age_if_unknown: int | None = None,
) -> VisitFacts:
    """Facts, doses done at the visit and the screening behind each positive screen."""
    screens = positive_screens(patient, timezone.localtime(assessment.assessed_at))
    facts = facts_for(assessment, patient, screens=screens, age_if_unknown=age_if_unknown)
    return VisitFacts(facts, doses_given_now(protocol, facts, assessment), screens)
