"""A fictional history for patients already in the registry: visits, screenings, care-plan
activities and the audit trail staff would have left, for demos and benchmarks.

Rows go in by the batch as plain values (``lantern.core.bulk``), not through the
one-at-a-time services, which audit each write and would take days for a million visits.
They are the rows those services write: narratives sealed by their fields as always,
screenings scored by the instruments' own scoring, urgent flags acknowledged, closed
activities with the change that closed them, and an audit trail chained and checkpointed
as the sealer does it (``audit_append_sealed``), so ``lantern audit verify`` accepts it.
"""

from __future__ import annotations

import datetime
import random
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from lantern.audit import chain
from lantern.audit.sealing import audit_append_sealed, audit_seal
from lantern.careplans.models import OPEN_STATUSES, Activity, ActivityStatusChange, CarePlan
from lantern.careplans.models import Category as Area
from lantern.core.bulk import RowWriter, new_ids
from lantern.encounters.models import Encounter
from lantern.patients.models import Patient
from lantern.screening import instruments
from lantern.screening.models import (
    ACKNOWLEDGE_SEVERITIES,
    FlagAcknowledgement,
    Interpretation,
    Mode,
    PrivacyMethod,
    ScreeningResult,
    ScreeningSession,
    Status,
)

if TYPE_CHECKING:
    from lantern.accounts.models import Clinic, User

BATCH = 5000
HISTORY_DAYS = 730
T = TypeVar("T")
Row = tuple[Any, ...]

# (weight, value) tables: what a clinic's records look like, roughly.
VISIT_KINDS = ((6, "clinic"), (3, "follow_up"), (2, "emergency"), (1, "telehealth"))
COMPANIONS = ((8, "came_alone"), (2, "stepped_out"), (1, "stayed"))
RELATIONSHIPS = ("partner", "friend", "cousin", "employer", "aunt")
INSTRUCTIONS = (
    "Take the second dose with food tomorrow morning.",
    "Come back in two weeks for the test results.",
    "Call the clinic number any time if the pain gets worse.",
)
INSTRUMENTS = ((4, "phq-9"), (3, "gad-7"), (2, "pc-ptsd-5"), (1, "lantern-indicators"))
ACTIVITY_KINDS = (
    ("followup-exam", "Follow-up examination", Area.PHYSICAL),
    ("hiv-retest", "HIV test", Area.PHYSICAL),
    ("hbv-vaccine-dose", "Hepatitis B vaccine dose", Area.PHYSICAL),
    ("housing", "Housing application with the shelter", Area.SOCIAL),
    ("counseling", "Counseling intake", Area.MENTAL),
    ("legal", "Appointment with the immigration lawyer", Area.PRACTICAL),
)
ACTIVITY_STATUSES = ((5, "done"), (1, "missed"), (3, "planned"), (1, "scheduled"))
# Audit entries: (weight, action, object type, category, detail).
AUDIT_KINDS = (
    (12, "read", "patients.patient", "identity", ""),
    (3, "read", "encounters.encounter", "exam", ""),
    (2, "read", "screening.screeningresult", "mental_health", ""),
    (3, "search", "", "identity", "patient search"),
    (2, "create", "careplans.activity", "", "activity status"),
    (1, "login", "", "", ""),
)


# The columns each writer fills, in the order the builders below give the values.
VISIT_COLUMNS = (
    *("id", "patient_id", "clinic_id", "kind", "started_at", "ended_at", "companion"),
    *("companion_relationship", "interpreter", "interpreter_reason", "patient_instructions"),
    "created_by_id",
)
SESSION_COLUMNS = (
    *("id", "patient_id", "mode", "clinic_id", "instrument_ids", "language", "status"),
    *("started_by_id", "started_at", "completed_at", "privacy_method", "interpretation"),
    *("interpreter_reason", "deferral_note", "kiosk_draft"),
)
RESULT_COLUMNS = (
    *("id", "session_id", "patient_id", "instrument_id", "instrument_version", "category"),
    *("answers", "total", "band_code", "positive", "threshold", "flags", "summary"),
    *("awaiting_acknowledgement", "recorded_at", "recorded_by_id"),
)
ACKNOWLEDGEMENT_COLUMNS = (
    *("result_id", "flag", "acknowledged_by_id", "acknowledged_at", "action_taken"),
)
ACTIVITY_COLUMNS = (
    *("id", "plan_id", "code", "title", "category", "status", "earliest", "due", "latest"),
    *("owner_id", "origin_visit_id", "created_at", "created_by_id", "urgent", "offer"),
    "exposure_unknown",
    *("rationale", "source", "external_ref", "protocol_id", "protocol_version"),
    "protocol_activity",
)
CHANGE_COLUMNS = ("activity_id", "changed_at", "changed_by_id", "from_status", "to_status", "note")


@dataclass(frozen=True)
class HistorySize:
    visits: int = 0
    screenings: int = 0
    activities: int = 0
    audit_entries: int = 0

    @property
    def rows(self) -> int:
        return self.visits + self.screenings + self.activities + self.audit_entries


def _weighted(table: Sequence[tuple[Any, ...]]) -> Callable[[random.Random], Any]:
    """A draw from ``(weight, value...)`` rows: the value, or the rest of the row."""
    values = [row[1] if len(row) == 2 else row[1:] for row in table]
    weights = [row[0] for row in table]
    cumulative = [sum(weights[: n + 1]) for n in range(len(weights))]

    def draw(rng: random.Random) -> Any:
        return rng.choices(values, cum_weights=cumulative)[0]

    return draw


def _batches(items: Iterator[T], size: int = BATCH) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class _Visits:
    """The visits an activity can come from, kept compactly (a million fit in 20 MB)."""

    def __init__(self) -> None:
        self.ids = array("q")
        self.patients = array("l")  # index into the patient list
        self.starts = array("d")  # POSIX seconds

    def add(self, visit_id: int, patient: int, started: datetime.datetime) -> None:
        self.ids.append(visit_id)
        self.patients.append(patient)
        self.starts.append(started.timestamp())

    def __len__(self) -> int:
        return len(self.ids)


class HistoryBuilder:
    """Grows the history of the patients at one clinic, with ``staff`` as the people
    who saw them, screened them, own their activities and left the audit trail."""

    def __init__(self, *, clinic: Clinic, staff: Sequence[User], seed: int) -> None:
        if not staff:
            raise ValueError("a history needs at least one staff member")
        self.clinic, self.staff = clinic, list(staff)
        self.rng = random.Random(seed)  # noqa: S311 (fictional data, not security)
        self.now = timezone.now()
        rows = Patient.objects.filter(clinics=clinic).order_by("pk")
        self.patients: list[UUID] = []
        self.interpreter = bytearray()
        for pk, needed in rows.values_list("pk", "interpreter_needed").iterator(chunk_size=BATCH):
            self.patients.append(pk)
            self.interpreter.append(needed)
        if not self.patients:
            raise ValueError("the clinic has no patients to grow a history for")
        self.index = {pk: n for n, pk in enumerate(self.patients)}
        self.visits = _Visits()

    # --- helpers -------------------------------------------------------------------------

    def _patient(self) -> int:
        return self.rng.randrange(len(self.patients))

    def _past(self, days: int = HISTORY_DAYS) -> datetime.datetime:
        return self.now - datetime.timedelta(seconds=self.rng.randrange(days * 86400))

    def _member(self) -> User:
        return self.staff[self.rng.randrange(len(self.staff))]

    # --- visits --------------------------------------------------------------------------

    def add_visits(self, count: int) -> int:
        kind, companion = _weighted(VISIT_KINDS), _weighted(COMPANIONS)
        visits = RowWriter(Encounter, VISIT_COLUMNS)
        present = RowWriter(Encounter.staff_present.through, ("encounter_id", "user_id"))
        for batch in _batches(iter(range(count))):
            with transaction.atomic():
                rows = [self._visit(pk, kind, companion) for pk in new_ids(Encounter, len(batch))]
                visits.write(rows)
                present.write((row[0], row[-1]) for row in rows)
            for row in rows:
                self.visits.add(row[0], self.index[row[1]], row[4])
        return count

    def _visit(self, pk: int, kind: Callable[..., str], companion: Callable[..., str]) -> Row:
        rng, patient = self.rng, self._patient()
        started = self._past()
        came_with = companion(rng)
        return (
            pk,
            self.patients[patient],
            self.clinic.pk,
            kind(rng),
            started,
            started + datetime.timedelta(minutes=rng.randint(30, 180)),
            came_with,
            "" if came_with == "came_alone" else rng.choice(RELATIONSHIPS),
            "in_person" if self.interpreter[patient] else "not_needed",
            "",
            rng.choice(INSTRUCTIONS) if rng.random() < 0.3 else "",
            self._member().pk,
        )

    # --- screenings ----------------------------------------------------------------------

    def add_screenings(self, count: int) -> int:
        """Completed screenings of one questionnaire each, scored as a clinician's would be."""
        which = _weighted(INSTRUMENTS)
        sessions = RowWriter(ScreeningSession, SESSION_COLUMNS)
        results = RowWriter(ScreeningResult, RESULT_COLUMNS)
        acknowledgements = RowWriter(FlagAcknowledgement, ACKNOWLEDGEMENT_COLUMNS)
        for batch in _batches(iter(range(count))):
            with transaction.atomic():
                made = [
                    self._screening(session, result, which)
                    for session, result in zip(
                        new_ids(ScreeningSession, len(batch)),
                        new_ids(ScreeningResult, len(batch)),
                        strict=True,
                    )
                ]
                sessions.write(session for session, _result, _flags in made)
                results.write(result for _session, result, _flags in made)
                acknowledgements.write(flag for _session, _result, flags in made for flag in flags)
        return count

    def _screening(
        self, session: int, result: int, which: Callable[..., str]
    ) -> tuple[Row, Row, list[Row]]:
        rng, patient = self.rng, self._patient()
        instrument = instruments.get_instrument(which(rng))
        at, member = self._past(), self._member().pk
        done = at + datetime.timedelta(minutes=rng.randint(3, 20))
        interpretation = (
            Interpretation.PROFESSIONAL_IN_PERSON
            if self.interpreter[patient]
            else Interpretation.NOT_NEEDED
        )
        patient_id = self.patients[patient]
        answers = _answers(instrument, rng)
        scored = instruments.score(instrument, answers)
        summary = scored.as_dict()
        summary.pop("answers", None)  # as screening.services keeps it: answers only sealed
        # Urgent flags of past screenings were seen to at the time: none awaits anyone now.
        seen = [
            (result, flag.code, member, done, "Safety plan made with the patient; crisis line.")
            for flag in scored.flags
            if flag.severity in ACKNOWLEDGE_SEVERITIES
        ]
        return (
            (
                *(session, patient_id, Mode.CLINICIAN, self.clinic.pk, [instrument.id], "en"),
                *(Status.COMPLETED, member, at, done, PrivacyMethod.CAME_ALONE, interpretation),
                *("", "", {}),
            ),
            (
                *(result, session, patient_id, instrument.id, instrument.version),
                *(instrument.category, answers, scored.total),
                *(scored.band.code if scored.band else "", scored.positive, scored.threshold),
                *([flag.code for flag in scored.flags], summary, False, done, member),
            ),
            seen,
        )

    # --- activities ----------------------------------------------------------------------

    def add_activities(self, count: int) -> int:
        """Activities on the patients' care plans, from one of their visits when they have
        one: six in ten closed (with the change that closed them), the rest open."""
        if not len(self.visits):
            self._load_visits()
        plans = self._care_plans()
        status = _weighted(ACTIVITY_STATUSES)
        activities = RowWriter(Activity, ACTIVITY_COLUMNS)
        changes = RowWriter(ActivityStatusChange, CHANGE_COLUMNS)
        for batch in _batches(iter(range(count))):
            with transaction.atomic():
                rows = [self._activity(pk, plans, status) for pk in new_ids(Activity, len(batch))]
                activities.write(rows)
                changes.write(
                    (row[0], row[7], row[9] or row[12], "planned", row[5], "")
                    for row in rows
                    if row[5] not in OPEN_STATUSES
                )
        return count

    def _load_visits(self) -> None:
        rows = Encounter.objects.filter(clinic=self.clinic).values_list(
            "pk", "patient_id", "started_at"
        )
        for pk, patient, started in rows.iterator(chunk_size=BATCH):
            if patient in self.index:
                self.visits.add(pk, self.index[patient], started)

    def _care_plans(self) -> dict[UUID, int]:
        plans = dict(
            CarePlan.objects.filter(patient__clinics=self.clinic).values_list("patient_id", "pk")
        )
        missing = [pk for pk in self.patients if pk not in plans]
        for batch in _batches(iter(missing)):
            made = CarePlan.objects.bulk_create(CarePlan(patient_id=pk) for pk in batch)
            plans.update((plan.patient_id, plan.pk) for plan in made)
        return plans

    def _activity(self, pk: int, plans: dict[UUID, int], status: Callable[..., str]) -> Row:
        rng = self.rng
        if len(self.visits):
            n = rng.randrange(len(self.visits))
            patient, visit = self.patients[self.visits.patients[n]], self.visits.ids[n]
            start = datetime.datetime.fromtimestamp(self.visits.starts[n], datetime.UTC)
        else:
            patient, visit, start = self.patients[self._patient()], None, self._past()
        code, title, area = rng.choice(ACTIVITY_KINDS)
        due = start + datetime.timedelta(days=rng.randint(1, 120))
        state = status(rng) if due < self.now else rng.choice(("planned", "scheduled"))
        member = self._member().pk
        owner = member if rng.random() < 0.3 else None
        latest = due + datetime.timedelta(days=14)
        return (
            *(pk, plans[patient], code, title, area, state, start, due, latest, owner, visit),
            *(start, member, False, False, False),
            *("",) * 6,
        )

    # --- audit trail ---------------------------------------------------------------------

    def add_audit_entries(self, count: int) -> int:
        """What staff did over the history's two years, oldest first, chained and sealed."""
        audit_seal(alarm=False)  # what is already appended goes first
        return audit_append_sealed(self._entries(count))

    def _entries(self, count: int) -> Iterator[chain.Recorded]:
        rng, kind = self.rng, _weighted(AUDIT_KINDS)
        start = self.now - datetime.timedelta(days=HISTORY_DAYS)
        step = datetime.timedelta(days=HISTORY_DAYS) / max(count, 1)
        for number in range(count):
            action, object_type, category, detail = kind(rng)
            member = self._member()
            patient = self.patients[self._patient()] if object_type else None
            yield chain.Recorded(
                at=start + step * number,
                actor_id=member.pk,
                actor_label=member.username,
                patient_id=patient,
                action=action,
                object_type=object_type,
                object_id=str(patient) if object_type == "patients.patient" else "",
                category=category,
                source_address=f"10.20.{rng.randrange(256)}.{rng.randrange(1, 255)}",
                outcome="success",
                detail=detail,
            )


def _answers(instrument: instruments.Instrument, rng: random.Random) -> dict[str, str]:
    """A complete answer set as the form reveals its questions; most answers are the
    mildest, as in a clinic's population (a uniform draw would flag nearly everyone)."""
    codes: dict[str, str] = {}
    while True:
        pending = [
            item
            for item in instruments.visible_items(instrument, codes)
            if item.answerable and item.link_id not in codes
        ]
        if not pending:
            return codes
        options = pending[0].options
        weights = [0.5**n for n in range(len(options))]
        codes[pending[0].link_id] = rng.choices(options, weights=weights)[0].code


def history_bulk_create(
    *, clinic: Clinic, staff: Sequence[User], size: HistorySize, seed: int = 1
) -> HistorySize:
    """Grow the history of ``clinic``'s patients by ``size``; returns what was made."""
    builder = HistoryBuilder(clinic=clinic, staff=staff, seed=seed)
    return HistorySize(
        visits=builder.add_visits(size.visits),
        screenings=builder.add_screenings(size.screenings),
        activities=builder.add_activities(size.activities),
        audit_entries=builder.add_audit_entries(size.audit_entries) if size.audit_entries else 0,
    )
