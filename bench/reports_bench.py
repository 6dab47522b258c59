"""Program reports benchmark: 100,000 patients and 1,000,000 care-plan activities on PostgreSQL.

Usage (from the repository root)::

    .venv/bin/python bench/reports_bench.py                     # PostgreSQL, full size
    .venv/bin/python bench/reports_bench.py --patients 10000 --activities 100000   # smaller
    .venv/bin/python bench/reports_bench.py --database sqlite

In its own subprocess with a fresh database and throw-away keys: one health system of four
clinics and a program manager. Patients are seeded through the bulk path ``lantern seed``
uses; each has a visit in the last two years at one of the clinics, every second one a
completed screening (one in five positive), one in five a consent declined; activities are
bulk-inserted against those visits (six in ten done, with the change that closed them, one
in ten missed, the rest open; one in twenty an nPEP or emergency-contraception window).

It times the refresh that counts and suppresses everything once (``lantern reports
refresh``, run by the worker every hour), then requests through the whole stack (test
client: session, second factor, middleware, rendering, charts, audit entry) the report for
the health system and for one clinic over the last twelve months, and the CSV export. It
prints, per page, the median, p95 and max time and the SQL queries per page. Target: median
under 500 ms, and the same number of queries whatever the size.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness

PREFIX = "lantern-reports-bench-"
TARGET_MS = 500
BATCH = 10_000
CLINICS = 4


def _seed_visits(rng: random.Random, clinics, clinician) -> list[tuple[object, int, object]]:
    """One visit per patient, in the last 24 months; (visit id, clinic id, patient id)."""
    from django.db import transaction
    from django.utils import timezone

    from lantern.encounters.models import ConsentRecord, Encounter
    from lantern.patients.models import Patient
    from lantern.screening.models import ScreeningResult, ScreeningSession

    now = timezone.now()
    placed = list(Patient.clinics.through.objects.values_list("patient_id", "clinic_id"))
    made: list[tuple[object, int, object]] = []
    for start in range(0, len(placed), BATCH):
        chunk = placed[start : start + BATCH]
        visits = [
            Encounter(
                patient_id=patient,
                clinic_id=clinic,
                kind="clinic",
                started_at=now - datetime.timedelta(minutes=rng.randint(0, 730 * 1440)),
                companion="came_alone",
                interpreter="not_needed",
                created_by=clinician,
            )
            for patient, clinic in chunk
        ]
        with transaction.atomic():
            Encounter.objects.bulk_create(visits)
            sessions = [
                ScreeningSession(
                    patient_id=v.patient_id,
                    mode="clinician",
                    clinic_id=v.clinic_id,
                    instrument_ids=["phq-9"],
                    status="completed",
                    started_by=clinician,
                    started_at=v.started_at,
                    completed_at=v.started_at,
                )
                for v in visits[::2]
            ]
            ScreeningSession.objects.bulk_create(sessions)
            ScreeningResult.objects.bulk_create(
                ScreeningResult(
                    session=s,
                    patient_id=s.patient_id,
                    instrument_id="phq-9",
                    instrument_version="1",
                    category="mental_health",
                    total=12,
                    positive=rng.random() < 0.2,
                    recorded_at=s.started_at,
                    recorded_by=clinician,
                )
                for s in sessions
            )
            ConsentRecord.objects.bulk_create(
                ConsentRecord(
                    patient_id=v.patient_id,
                    encounter=v,
                    scope=rng.choice(("pelvic_exam", "photographs", "evidence_kit")),
                    status=rng.choice(("declined", "withdrawn")),
                    method="verbal",
                    recorded_at=v.started_at,
                    recorded_by=clinician,
                )
                for v in visits[::5]
            )
        made += [(v.pk, v.clinic_id, v.patient_id) for v in visits]
    return made


def _seed_activities(rng: random.Random, count: int, visits, clinician) -> None:
    from django.db import transaction

    from lantern.careplans.models import Activity, ActivityStatusChange, CarePlan
    from lantern.encounters.models import Encounter

    plans = dict(CarePlan.objects.values_list("patient_id", "pk"))
    starts = dict(Encounter.objects.values_list("pk", "started_at"))
    codes = ("followup-exam", "hiv-retest", "hbv-vaccine-dose", "housing", "counseling")
    made = 0
    while made < count:
        batch, closing = [], []
        for _ in range(min(BATCH, count - made)):
            visit, _clinic, patient = visits[rng.randrange(len(visits))]
            start = starts[visit]
            window = rng.random() < 0.05
            code = (
                rng.choice(("hiv-npep", "emergency-contraception")) if window else rng.choice(codes)
            )
            due = start + datetime.timedelta(days=rng.randint(0, 90))
            status = rng.choice(("done",) * 6 + ("missed", "planned", "planned", "scheduled"))
            activity = Activity(
                plan_id=plans[patient],
                code=code,
                title="Follow-up",
                status=status,
                earliest=start,
                due=due,
                latest=start + datetime.timedelta(hours=72 if code == "hiv-npep" else 120)
                if window
                else due + datetime.timedelta(days=7),
                urgent=window,
                origin_visit_id=visit,
                created_at=start,
            )
            batch.append(activity)
            if status == "done":
                closing.append((activity, due + datetime.timedelta(hours=rng.randint(-48, 96))))
        with transaction.atomic():
            Activity.objects.bulk_create(batch)
            ActivityStatusChange.objects.bulk_create(
                ActivityStatusChange(
                    activity=a,
                    changed_at=at,
                    changed_by=clinician,
                    from_status="planned",
                    to_status="done",
                )
                for a, at in closing
            )
        made += len(batch)
        if made % 100_000 == 0:
            print(f"  {made:,} activities", flush=True)


def _signed_in(user, stepped_up: bool = False):
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    from lantern.accounts.middleware import SEEN_AT, SIGNED_IN_AT
    from lantern.accounts.models import Authenticator
    from lantern.accounts.reauth import REAUTHENTICATED_AT

    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    device = Authenticator.objects.create(user=user, confirmed=True, name="bench")
    session = client.session
    session[SIGNED_IN_AT] = session[SEEN_AT] = time.time()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    if stepped_up:
        session[REAUTHENTICATED_AT] = time.time() + 3600  # stays fresh for the whole run
    session.save()
    return client


def _time_pages(client, url: str, params: dict[str, str], pages: int):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, counts = [], []
    for number in range(pages + 2):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url, params)
            elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        if number >= 2:  # the first pages warm caches and the connection
            times.append(elapsed)
            counts.append(len(queries.captured_queries))
    return times, counts


def _profile(client, url: str, params: dict[str, str]) -> None:
    import cProfile
    import pstats

    client.get(url, params)
    profiler = cProfile.Profile()
    profiler.enable()
    client.get(url, params)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats("lantern|pygal|render", 30)


def worker(args: argparse.Namespace) -> int:
    vendor = harness.start_worker()
    from django.core.management import call_command
    from django.db import connection
    from django.urls import reverse
    from django.utils import timezone

    from lantern.accounts.models import Clinic, Role, User
    from lantern.careplans.models import CarePlan
    from lantern.patients.bulk import patients_bulk_create
    from lantern.patients.models import Patient
    from lantern.patients.synthetic import synthetic_patients
    from lantern.reports.services import reports_refresh

    call_command("collectstatic", interactive=False, verbosity=0)
    rng = random.Random(args.seed)
    first, clinician = harness.bench_clinician()
    clinics = [first] + [
        Clinic.objects.create(health_system=first.health_system, name=f"Bench Clinic {n}")
        for n in range(2, CLINICS + 1)
    ]
    manager = User.objects.create_user(
        username="bench-manager",
        password=None,
        display_name="Bench Manager",
        role=Role.PROGRAM_MANAGER,
        health_system=first.health_system,
    )
    manager.clinics.set(clinics)
    started = time.perf_counter()
    share = args.patients // CLINICS
    for number, clinic in enumerate(clinics):
        patients_bulk_create(
            actor=clinician,
            records=synthetic_patients(share, args.seed + number, timezone.localdate()),
            clinic=clinic,
            care_team=[clinician],
        )
    ids = list(Patient.objects.values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        CarePlan.objects.bulk_create(CarePlan(patient_id=pk) for pk in ids[start : start + BATCH])
    visits = _seed_visits(rng, clinics, clinician)
    print(f"seeded {len(ids):,} patients, visits, screens: {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    _seed_activities(rng, args.activities, visits, clinician)
    print(f"seeded {args.activities:,} activities: {time.perf_counter() - started:.0f} s")
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    started = time.perf_counter()
    reports_refresh(health_system=first.health_system)
    print(f"refresh (count and suppress, once an hour): {time.perf_counter() - started:.1f} s")

    views = (
        ("report, health system", reverse("reports:report"), {}, False),
        ("report, one clinic", reverse("reports:report"), {"clinic": str(first.pk)}, False),
        ("CSV download", reverse("reports:download"), {"format": "csv"}, True),
    )
    print(f"\n{'page':24} {'median':>8} {'p95':>8} {'max':>8} {'queries':>8}")
    failed = False
    for label, url, params, stepped in views:
        times, counts = _time_pages(_signed_in(manager, stepped), url, params, args.pages)
        median = statistics.median(times)
        print(
            f"{label:24} {median:7.1f}ms {harness.percentile(times, 0.95):7.1f}ms "
            f"{max(times):7.1f}ms {statistics.median(counts):8.0f}"
            + ("" if len(set(counts)) == 1 else f"  (queries varied: {sorted(set(counts))})")
        )
        failed |= median >= TARGET_MS
    print(f"\ntarget: median under {TARGET_MS} ms: {'NOT MET' if failed else 'met'}")
    if args.profile:
        _profile(_signed_in(manager), reverse("reports:report"), {})
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--pages", type=int, default=20, help="timed pages per view")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="postgres")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("LANTERN_BENCH_POSTGRES_URL", harness.DEFAULT_POSTGRES_URL),
    )
    parser.add_argument("--postgres-db", default="lantern_reports_bench")
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--profile", action="store_true", help="profile one page at the end")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)
    passed = [
        f"--patients={args.patients}",
        f"--activities={args.activities}",
        f"--pages={args.pages}",
        f"--seed={args.seed}",
        *(["--profile"] if args.profile else []),
    ]

    def run(database: str, url: str, tmp: Path) -> int:
        return harness.run_worker(__file__, passed, database, url, tmp, args.timeout)

    return harness.run_selected(args.database, run, args.postgres_url, args.postgres_db, PREFIX)


if __name__ == "__main__":
    raise SystemExit(main())
