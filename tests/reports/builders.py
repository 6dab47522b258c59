"""A small, known data set for the program reports: counts chosen so that a reader can say
what each cell must show (12 shows as 12; 5 is withheld; 30 beside a withheld 5 is withheld
too, or the row total would give the 5 away)."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from lantern.accounts.models import Clinic, User
from lantern.careplans.models import Activity, ActivityStatusChange, CarePlan
from lantern.encounters.models import ConsentRecord, Encounter
from lantern.patients.models import Patient
from lantern.referrals.models import Referral
from lantern.reports import services
from lantern.reports.models import ReportSnapshot
from lantern.screening.models import ScreeningResult, ScreeningSession

ZONE = ZoneInfo("America/New_York")
NOW = datetime.datetime(2026, 11, 15, 12, 0, tzinfo=ZONE)
OCTOBER = datetime.datetime(2026, 10, 10, 10, 0, tzinfo=ZONE)
SEPTEMBER = datetime.datetime(2026, 9, 8, 10, 0, tzinfo=ZONE)
RANGE = {"start": "2026-09", "end": "2026-10"}


def patients(count: int, clinic: Clinic, **details: object) -> list[Patient]:
    values = {
        "preferred_name": "Test Patient",
        "birth_date_kind": "exact",
        "birth_date": datetime.date(1998, 4, 17),  # 28 in October 2026
        "sex_at_birth": "female",
        "gender_identity": "woman",
        "preferred_language": "es",
    } | details
    made = [Patient.objects.create(**values) for _ in range(count)]
    for patient in made:
        patient.clinics.add(clinic)
    return made


def visits(people: list[Patient], clinic: Clinic, at: datetime.datetime, actor: User) -> list:
    return [
        Encounter.objects.create(
            patient=patient,
            clinic=clinic,
            kind="clinic",
            started_at=at,
            companion="came_alone",
            interpreter="not_needed",
            created_by=actor,
        )
        for patient in people
    ]


def screenings(
    people: list[Patient],
    clinic: Clinic,
    at: datetime.datetime,
    actor: User,
    instrument: str = "phq-9",
    positive: bool = True,
) -> None:
    for patient in people:
        session = ScreeningSession.objects.create(
            patient=patient,
            mode="clinician",
            clinic=clinic,
            instrument_ids=[instrument],
            status="completed",
            started_by=actor,
            started_at=at,
            completed_at=at,
        )
        ScreeningResult.objects.create(
            session=session,
            patient=patient,
            instrument_id=instrument,
            instrument_version="1",
            category="mental_health",
            total=15 if positive else 2,
            positive=positive,
            recorded_at=at,
            recorded_by=actor,
        )


def declined(encounters: list, scope: str, actor: User, status: str = "declined") -> None:
    for visit in encounters:
        ConsentRecord.objects.create(
            patient=visit.patient,
            encounter=visit,
            scope=scope,
            status=status,
            method="verbal",
            recorded_at=visit.started_at,
            recorded_by=actor,
        )


def activities(
    encounters: list,
    code: str,
    status: str,
    actor: User,
    *,
    done_after: datetime.timedelta | None = None,
    window: datetime.timedelta = datetime.timedelta(hours=72),
    urgent: bool = False,
) -> None:
    for visit in encounters:
        plan, _created = CarePlan.objects.get_or_create(patient=visit.patient)
        activity = Activity.objects.create(
            plan=plan,
            code=code,
            title=code,
            status=status,
            earliest=visit.started_at,
            due=visit.started_at + datetime.timedelta(hours=24),
            latest=visit.started_at + window,
            urgent=urgent,
            origin_visit=visit,
            created_at=visit.started_at,
            created_by=actor,
        )
        if done_after is not None:
            ActivityStatusChange.objects.create(
                activity=activity,
                changed_at=visit.started_at + done_after,
                changed_by=actor,
                from_status="planned",
                to_status=status,
            )


def referrals(people: list[Patient], clinic: Clinic, service, status: str, actor: User) -> None:
    for patient in people:
        Referral.objects.create(
            patient=patient,
            clinic=clinic,
            service=service,
            origin="chart",
            status=status,
            created_at=OCTOBER,
            created_by=actor,
        )


def refresh(clinic: Clinic) -> ReportSnapshot:
    return services.reports_refresh(health_system=clinic.health_system, now=NOW)
