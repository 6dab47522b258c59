"""The raw counts behind the program reports, per month and clinic, for one health system.

Read-only: a fixed number of aggregate queries per refresh, whatever the number of
patients. Rows come back as counts (or, where Lantern needs a rule in Python, as plain
values without names or free text) and nothing here is kept: ``services`` suppresses the
small counts before anything is stored.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable
from typing import Any

from django.db.models import BigIntegerField, Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from lantern.careplans.models import OPEN_STATUSES, Activity, ActivityStatusChange
from lantern.careplans.models import Status as ActivityStatus
from lantern.encounters.choices import ConsentStatus, NpepStart
from lantern.encounters.models import ConsentRecord, Encounter, FollowUpAssessment
from lantern.patients.models import Patient
from lantern.referrals import taxonomy
from lantern.referrals.models import Attribute, Referral, ReferralStatus
from lantern.reports import measures
from lantern.screening.models import ScreeningResult, ScreeningSession
from lantern.screening.models import Status as ScreeningStatus

Key = tuple[str, ...]
Counts = Counter[Key]


def month_of(moment: datetime.datetime | datetime.date) -> str:
    """``YYYY-MM`` in Lantern's time zone: the finest date a report holds."""
    if isinstance(moment, datetime.datetime):
        moment = timezone.localtime(moment)
    return f"{moment.year:04d}-{moment.month:02d}"


def count_all(clinic_ids: list[int], now: datetime.datetime) -> dict[str, Counts]:
    """Every measure of ``measures.MEASURES`` at these clinics, as of ``now``."""
    counted = _visits(clinic_ids)
    counted["screened"] = _screened(clinic_ids)
    counted["positive"], counted["indicators"] = _screens(clinic_ids)
    counted["consent"] = _consent(clinic_ids)
    counted["referrals"] = _referrals(clinic_ids)
    activities = _activities(clinic_ids)
    counted["follow_ups"] = _follow_ups(activities, now)
    counted["follow_up_time"] = _follow_up_time(activities)
    counted["urgent"] = _urgent(activities, clinic_ids, now)
    return counted


def _visits(clinic_ids: list[int]) -> dict[str, Counts]:
    """People seen per month and clinic, and the same people by age, gender and language."""
    rows = (
        Encounter.objects.filter(clinic__in=clinic_ids)
        .order_by("started_at")
        .values_list(
            "started_at",
            "clinic_id",
            "patient_id",
            "patient__birth_date",
            "patient__estimated_age",
            "patient__estimated_on",
            "patient__gender_identity",
            "patient__preferred_language",
        )
    )
    seen: set[tuple[str, int, Any]] = set()
    counted: dict[str, Counts] = {k: Counter() for k in ("seen", "age", "gender", "language")}
    for started, clinic, patient, born, estimate, estimated_on, gender, language in rows.iterator(
        chunk_size=5000
    ):
        month = month_of(started)
        if (month, clinic, patient) in seen:
            continue
        seen.add((month, clinic, patient))
        at = (month, str(clinic))
        day = timezone.localtime(started).date()
        counted["seen"][at] += 1
        counted["age"][(*at, measures.age_band(born, estimate, estimated_on, day))] += 1
        counted["gender"][(*at, gender or measures.UNKNOWN)] += 1
        counted["language"][(*at, language or "other")] += 1
    return counted


def _per_month(queryset: QuerySet[Any], clinic: str, *parts: str) -> Any:
    """Rows grouped by month (in Lantern's time zone, on SQLite and PostgreSQL alike),
    clinic and ``parts``; ``at`` is the moment that dates each row."""
    return (
        queryset.annotate(month=TruncMonth("at"), place=F(clinic))
        .values("month", "place", *parts)
        .order_by()
    )


def _grouped(rows: Iterable[Any], *parts: str) -> Counts:
    counted: Counts = Counter()
    for row in rows:
        key = (month_of(row["month"]), str(row["place"]), *(str(row[p]) for p in parts))
        counted[key] += row["n"]
    return counted


def _screened(clinic_ids: list[int]) -> Counts:
    """People with a completed screening, per month of completion."""
    sessions = ScreeningSession.objects.filter(
        clinic__in=clinic_ids, status=ScreeningStatus.COMPLETED
    ).annotate(at=Coalesce("completed_at", "started_at"))
    return _grouped(_per_month(sessions, "clinic").annotate(n=Count("patient", distinct=True)))


def _screens(clinic_ids: list[int]) -> tuple[Counts, Counts]:
    """People with a positive screen, by instrument, and people with an indicator checklist
    that recorded a sign (Lantern's checklist is decision support: never "positive")."""
    results = (
        ScreeningResult.objects.released()
        .filter(session__clinic__in=clinic_ids)
        .annotate(at=F("recorded_at"))
    )
    positive = _per_month(results.filter(positive=True), "session__clinic", "instrument_id")
    concern = _per_month(
        results.filter(instrument_id=measures.INDICATORS, total__gt=0), "session__clinic"
    )
    return (
        _grouped(positive.annotate(n=Count("patient", distinct=True)), "instrument_id"),
        _grouped(concern.annotate(n=Count("patient", distinct=True))),
    )


def _consent(clinic_ids: list[int]) -> Counts:
    """Visits in which a scope of consent was declined or withdrawn, by scope."""
    records = ConsentRecord.objects.filter(
        encounter__clinic__in=clinic_ids,
        status__in=(ConsentStatus.DECLINED, ConsentStatus.WITHDRAWN),
    ).annotate(at=F("encounter__started_at"))
    rows = _per_month(records, "encounter__clinic", "scope")
    return _grouped(rows.annotate(n=Count("encounter", distinct=True)), "scope")


def _referrals(clinic_ids: list[int]) -> Counts:
    """Referrals sent (drafts are not referrals yet) by need and where they stand now. A
    service meeting several needs counts under each."""
    referrals = (
        Referral.objects.filter(clinic__in=clinic_ids)
        .exclude(status=ReferralStatus.DRAFT)
        .annotate(at=F("created_at"), service_uid=F("service__hsds_id"))
    )
    rows = list(_per_month(referrals, "clinic", "service_uid", "status").annotate(n=Count("id")))
    codes = {term.id: term.code for term in taxonomy.NEEDS}
    needs: dict[Any, list[str]] = {}
    for service, term in Attribute.objects.filter(
        linked_type="service",
        link_id__in={row["service_uid"] for row in rows},
        taxonomy_term__hsds_id__in=list(codes),
    ).values_list("link_id", "taxonomy_term__hsds_id"):
        needs.setdefault(service, []).append(codes[term])
    counted: Counts = Counter()
    for row in rows:
        for need in sorted(set(needs.get(row["service_uid"], [measures.NO_NEED]))):
            key = (month_of(row["month"]), str(row["place"]), need, row["status"])
            counted[key] += row["n"]
    return counted


def _activities(clinic_ids: list[int]) -> QuerySet[Activity]:
    """Care-plan activities placed at the clinic of the visit or screening they came from,
    or else at the patient's first clinic here."""
    first_clinic = (
        Patient.clinics.through.objects.filter(
            patient=OuterRef("plan__patient"), clinic__in=clinic_ids
        )
        .order_by("clinic")
        .values("clinic")[:1]
    )
    return Activity.objects.annotate(
        place=Coalesce(
            "origin_visit__clinic_id",
            "origin_screening__clinic_id",
            Subquery(first_clinic),
            output_field=BigIntegerField(),
        )
    ).filter(place__in=clinic_ids)


def _follow_ups(activities: QuerySet[Activity], now: datetime.datetime) -> Counts:
    """Activities done, missed, or still open after their due date, per month due."""
    closed = (
        activities.filter(status__in=(ActivityStatus.DONE, ActivityStatus.MISSED))
        .annotate(month=TruncMonth("due"))
        .values("month", "place", "status")
        .order_by()
        .annotate(n=Count("id"))
    )
    counted = _grouped(closed, "status")
    overdue = (
        activities.filter(status__in=OPEN_STATUSES, due__lt=now)
        .annotate(month=TruncMonth("due"))
        .values("month", "place")
        .order_by()
        .annotate(n=Count("id"))
    )
    for row in overdue:
        counted[(month_of(row["month"]), str(row["place"]), measures.OVERDUE)] += row["n"]
    return counted


def _done_at() -> Subquery:
    return Subquery(
        ActivityStatusChange.objects.filter(activity=OuterRef("pk"), to_status=ActivityStatus.DONE)
        .order_by("-changed_at")
        .values("changed_at")[:1]
    )


def _follow_up_time(activities: QuerySet[Activity]) -> Counts:
    """Follow-ups done, by days from the visit they came from (or from being planned) to
    being done, per month done."""
    rows = (
        activities.filter(status=ActivityStatus.DONE)
        .annotate(done_at=_done_at(), start=Coalesce("origin_visit__started_at", "created_at"))
        .filter(done_at__isnull=False)
        .values_list("done_at", "place", "start")
    )
    counted: Counts = Counter()
    for done_at, place, start in rows.iterator(chunk_size=5000):
        days = max((done_at - start).total_seconds(), 0) / 86400
        counted[(month_of(done_at), str(place), measures.follow_up_band(days))] += 1
    return counted


def _urgent(
    activities: QuerySet[Activity], clinic_ids: list[int], now: datetime.datetime
) -> Counts:
    """Urgent windows (nPEP within 72 hours, emergency contraception within 120 hours of the
    exposure) met or not, per month of the visit.

    A window counts once it is decided: the activity done (met if done by the window's
    end), or missed, or still open after the window closed. Declined or cancelled ones
    are the patient's choice or a change of plan, not a window missed. What was given at the
    visit itself comes from the visit's facts: nPEP started, or emergency contraception
    given, within the hours since the exposure.
    """
    windows = {measures.NPEP_CODE: measures.NPEP, measures.EC_CODE: measures.EC}
    counted: Counts = Counter()
    rows = (
        activities.filter(code__in=list(windows), urgent=True, latest__isnull=False)
        .filter(
            Q(status__in=(ActivityStatus.DONE, ActivityStatus.MISSED))
            | Q(status__in=OPEN_STATUSES, latest__lt=now)
        )
        .annotate(done_at=_done_at(), at=Coalesce("origin_visit__started_at", "due"))
        .values_list("code", "place", "at", "status", "done_at", "latest")
    )
    for code, place, at, status, done_at, latest in rows.iterator(chunk_size=5000):
        met = status == ActivityStatus.DONE and done_at is not None and done_at <= latest
        counted[(month_of(at), str(place), windows[code], _met(met))] += 1
    for window, given_at, exposure_at, visit_at, place in _given_at_visit(clinic_ids):
        hours = measures.NPEP_HOURS if window == measures.NPEP else measures.EC_HOURS
        met = given_at <= exposure_at + datetime.timedelta(hours=hours)
        counted[(month_of(visit_at), str(place), window, _met(met))] += 1
    return counted


def _met(met: bool) -> str:
    return measures.MET if met else measures.NOT_MET


def _given_at_visit(clinic_ids: list[int]) -> Iterable[tuple[str, Any, Any, Any, int]]:
    facts = FollowUpAssessment.objects.filter(
        encounter__clinic__in=clinic_ids, exposure_at__isnull=False
    ).filter(~Q(npep=NpepStart.NOT_STARTED) | Q(ec_given=True))
    for npep, started, ec_given, assessed, exposure, visit_at, place in facts.values_list(
        "npep",
        "npep_started_at",
        "ec_given",
        "assessed_at",
        "exposure_at",
        "encounter__started_at",
        "encounter__clinic",
    ).iterator(chunk_size=5000):
        if npep != NpepStart.NOT_STARTED:
            yield measures.NPEP, started, exposure, visit_at, place
        if ec_given:
            yield measures.EC, assessed, exposure, visit_at, place
