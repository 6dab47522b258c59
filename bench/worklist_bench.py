"""Worklist benchmark: 100,000 patients and 1,000,000 care-plan activities on PostgreSQL.

Usage (from the repository root)::

    .venv/bin/python bench/worklist_bench.py                    # PostgreSQL, full size
    .venv/bin/python bench/worklist_bench.py --patients 5000 --activities 50000   # a quick look
    .venv/bin/python bench/worklist_bench.py --database sqlite

In its own subprocess with a fresh database and throw-away keys: one clinic, one clinician
on **every** patient's care team (the worst case: every activity is visible to them) and a
program manager of the health system. Patients are seeded through the bulk path ``lantern
seed`` uses; each gets a care plan, and activities are bulk-inserted (titles and rationales
sealed like any other): due dates spread from 180 days ago to a year ahead, seven in ten
open, one in twenty urgent with a 72-hour window, three in ten owned by the clinician.

It then requests the worklist page through the whole stack (Django test client: session,
second factor, middleware, the three lists, rendering, one audit entry per patient shown)
for each view a user has: the clinician's own, their care teams', their clinic's, and the
program manager's health system. It prints, per view, the median, p95 and max page time,
the SQL queries per page and the rows shown. Target: median under 200 ms, and the same
number of queries whatever the size.
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

PREFIX = "lantern-worklist-bench-"
TARGET_MS = 200
BATCH = 10_000


def _seed_activities(count: int, seed: int, clinician) -> float:
    """``count`` activities spread over every patient's plan; returns seconds taken."""
    from django.db import transaction
    from django.utils import timezone

    from lantern.careplans.models import Activity, CarePlan

    rng = random.Random(seed)
    started = time.perf_counter()
    plans = list(CarePlan.objects.values_list("pk", flat=True))
    now = timezone.now()
    codes = ("followup-exam", "hiv-retest", "hbv-vaccine-dose", "housing", "counseling")
    made = 0
    while made < count:
        batch = []
        for _ in range(min(BATCH, count - made)):
            due = now + datetime.timedelta(minutes=rng.randint(-180 * 1440, 365 * 1440))
            urgent = rng.random() < 0.05
            batch.append(
                Activity(
                    plan_id=plans[rng.randrange(len(plans))],
                    code=rng.choice(codes),
                    title="Follow-up",
                    category="physical",
                    owner=clinician if rng.random() < 0.3 else None,
                    status=rng.choice(("planned",) * 6 + ("scheduled", "done", "done", "missed")),
                    earliest=due,
                    due=due,
                    latest=due + datetime.timedelta(hours=72) if urgent else due,
                    urgent=urgent,
                    created_at=now,
                )
            )
        with transaction.atomic():
            Activity.objects.bulk_create(batch)
        made += len(batch)
        if made % 100_000 == 0:
            print(f"  {made:,} activities", flush=True)
    return time.perf_counter() - started


def _signed_in(user):
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    from lantern.accounts.middleware import SEEN_AT, SIGNED_IN_AT
    from lantern.accounts.models import Authenticator

    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    device = Authenticator.objects.create(user=user, confirmed=True, name="bench")
    session = client.session
    session[SIGNED_IN_AT] = session[SEEN_AT] = time.time()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def _time_pages(client, params: dict[str, str], pages: int) -> tuple[list[float], list[int], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    url = reverse("careplans:worklist")
    times, counts, rows = [], [], 0
    for number in range(pages + 2):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url, params)
            elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"worklist answered {response.status_code}")
        if number >= 2:  # the first pages warm caches and the connection
            times.append(elapsed)
            counts.append(len(queries.captured_queries))
            rows = response.content.count(b"<tr>")
    return times, counts, rows


def _profile(client, params: dict[str, str]) -> None:
    """Where one page's time goes (``--profile``)."""
    import cProfile
    import pstats

    from django.urls import reverse

    client.get(reverse("careplans:worklist"), params)
    profiler = cProfile.Profile()
    profiler.enable()
    client.get(reverse("careplans:worklist"), params)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats("lantern|crypt|render|audit", 40)


def _py_spy(client, params: dict[str, str], pages: int, out: str) -> None:
    """Sample this process with py-spy while it serves ``pages`` pages (``--py-spy FILE``):
    collapsed stacks in FILE, and the functions most often on the stack printed."""
    import collections
    import subprocess

    from django.urls import reverse

    spy = Path(sys.executable).with_name("py-spy")
    command = [str(spy), "record", "--pid", str(os.getpid()), "--rate", "500"]
    command += ["--format", "raw", "--output", out, "--nonblocking"]
    recorder = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    time.sleep(1.0)  # let py-spy attach
    for _ in range(pages):
        client.get(reverse("careplans:worklist"), params)
    time.sleep(0.5)
    recorder.send_signal(2)  # SIGINT: py-spy writes its file and stops
    recorder.wait(timeout=30)
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in Path(out).read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if "worklist (lantern/careplans/views/worklist.py" not in stack:
            continue  # samples outside the page (py-spy attaching, the loop)
        total += int(count)
        for frame in set(stack.split(";")):
            if "lantern/" in frame or "django/template" in frame or "django/db" in frame:
                inclusive[frame.split(" (")[0] + " " + frame.split("/")[-1]] += int(count)
    print(f"\npy-spy: {total} samples inside the worklist view; most often on the stack:")
    for frame, count in inclusive.most_common(25):
        print(f"  {100 * count / max(total, 1):5.1f}%  {frame}")


def _explain(user, scope: str) -> None:
    """The query plan of each list (``--profile``, PostgreSQL)."""
    import datetime as dt

    from django.utils import timezone

    from lantern.careplans import worklists

    now = timezone.now()
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    base = worklists.base_for(user, scope, None)
    for label, queryset, order in (
        ("closing", base.closing_between(now, now + dt.timedelta(hours=24)), "latest"),
        ("today", base.due_between(today, today + dt.timedelta(days=1)), "due"),
        ("overdue", base.filter(due__lt=today), "due"),
    ):
        limited = queryset.select_related("plan__patient", "owner").order_by(order, "pk")[:51]
        print(f"--- {label}\n{limited.explain(analyze=True)}")


def worker(args: argparse.Namespace) -> int:
    vendor = harness.start_worker()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from lantern.accounts.models import Role, User
    from lantern.careplans.models import CarePlan
    from lantern.patients.bulk import patients_bulk_create
    from lantern.patients.models import Patient
    from lantern.patients.synthetic import synthetic_patients

    call_command("collectstatic", interactive=False, verbosity=0)  # pages link their assets
    clinic, clinician = harness.bench_clinician()
    manager = User.objects.create_user(
        username="bench-manager",
        password=None,
        display_name="Bench Manager",
        role=Role.PROGRAM_MANAGER,
        health_system=clinic.health_system,
    )
    manager.clinics.add(clinic)
    started = time.perf_counter()
    patients_bulk_create(
        actor=clinician,
        records=synthetic_patients(args.patients, args.seed, timezone.localdate()),
        clinic=clinic,
        care_team=[clinician],
    )
    ids = list(Patient.objects.values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        CarePlan.objects.bulk_create(CarePlan(patient_id=pk) for pk in ids[start : start + BATCH])
    print(f"seeded {len(ids):,} patients and plans: {time.perf_counter() - started:.0f} s")
    seconds = _seed_activities(args.activities, args.seed, clinician)
    print(f"seeded {args.activities:,} activities: {seconds:.0f} s")
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    views = (
        ("clinician, mine", clinician, {"scope": "mine"}),
        ("clinician, care teams", clinician, {"scope": "team"}),
        ("clinician, clinic", clinician, {"scope": "clinic", "clinic": str(clinic.pk)}),
        ("program manager, health system", manager, {}),
    )
    print(f"\n{'view':34} {'median':>8} {'p95':>8} {'max':>8} {'queries':>8} {'rows':>6}")
    failed = False
    for label, user, params in views:
        client = _signed_in(user)
        times, counts, rows = _time_pages(client, params, args.pages)
        median = statistics.median(times)
        print(
            f"{label:34} {median:7.1f}ms {harness.percentile(times, 0.95):7.1f}ms "
            f"{max(times):7.1f}ms {statistics.median(counts):8.0f} {rows - 3:6}"
            + ("" if len(set(counts)) == 1 else f"  (queries varied: {sorted(set(counts))})")
        )
        failed |= median >= TARGET_MS
    print(f"\ntarget: median under {TARGET_MS} ms: {'NOT MET' if failed else 'met'}")
    if args.py_spy:
        _py_spy(_signed_in(clinician), {"scope": "team"}, args.pages, args.py_spy)
    if args.profile:
        _profile(_signed_in(clinician), {"scope": "team"})
        if vendor == "postgresql":
            _explain(clinician, "team")
            _explain(manager, "clinic")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--pages", type=int, default=30, help="timed pages per view")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="postgres")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("LANTERN_BENCH_POSTGRES_URL", harness.DEFAULT_POSTGRES_URL),
    )
    parser.add_argument("--postgres-db", default="lantern_worklist_bench")
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--profile", action="store_true", help="profile one page at the end")
    parser.add_argument(
        "--py-spy", metavar="FILE", help="sample the care-team pages with py-spy into FILE"
    )
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
        *([f"--py-spy={Path(args.py_spy).resolve()}"] if args.py_spy else []),
    ]

    def run(database: str, url: str, tmp: Path) -> int:
        return harness.run_worker(__file__, passed, database, url, tmp, args.timeout)

    return harness.run_selected(args.database, run, args.postgres_url, args.postgres_db, PREFIX)


if __name__ == "__main__":
    raise SystemExit(main())
