"""FHIR API benchmark: Bulk $export throughput and memory, and Patient read latency.

Usage (from the repository root)::

    .venv/bin/python bench/fhir_bench.py          # PostgreSQL: 15,000 then 100,000 patients
    .venv/bin/python bench/fhir_bench.py --database sqlite
    .venv/bin/python bench/fhir_bench.py --stages 15000,150000   # about 100k and 1M resources

For each database, in its own subprocess with a fresh database and throw-away keys: one
clinic, one clinician, and a registered FHIR client (SMART Backend Services, all read
scopes and the identity scope). Patients are seeded in stages through the bulk path
``lantern seed`` uses; each patient also gets a consent to share with the EHR, a visit
and a PHQ-9 result (one in five with a suicide-risk flag), a care plan with two activities,
and one in five a sent referral, so each patient makes about seven and a half resources
(Patient, Consent, Encounter, QuestionnaireResponse, Observation, Provenance, CarePlan,
sometimes a Flag, a ServiceRequest and a Task) and the audit trail adds AuditEvents.

After each stage a system-level ``$export`` runs in its own process exactly as the task
worker runs it (``run_export``: every resource rendered, sealed NDJSON files written, one
audit entry per exported patient). It prints resources per second and that process's peak
RSS, so the figures for a small and a large export show whether memory stays flat.

After the last stage it times Patient reads through the whole stack (Django test client:
middleware, token check, consent-gated query, rendering, audit write): median, p95, max.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness

PREFIX = "lantern-fhir-bench-"
EXPORT_TARGET = 10_000  # resources per second


def _seed_charts(clinic, user, seed_from: int) -> int:
    """Consent, a visit and a PHQ-9 result for every patient that has no consent yet."""
    from django.db import transaction
    from django.db.models import Exists, OuterRef
    from django.utils import timezone

    from lantern.encounters.models import ConsentRecord, Encounter
    from lantern.patients.models import Patient
    from lantern.screening.models import ScreeningResult, ScreeningSession

    rng = random.Random(seed_from)
    fresh = Patient.objects.exclude(
        Exists(ConsentRecord.objects.filter(patient=OuterRef("pk")))
    ).values_list("pk", flat=True)
    ids = list(fresh)
    now = timezone.now()
    for start in range(0, len(ids), 2000):
        batch = ids[start : start + 2000]
        with transaction.atomic():
            ConsentRecord.objects.bulk_create(
                ConsentRecord(
                    patient_id=pid,
                    scope="disclose_primary_care",
                    status="given",
                    method="verbal",
                    recorded_by=user,
                    recorded_at=now,
                )
                for pid in batch
            )
            Encounter.objects.bulk_create(
                Encounter(
                    patient_id=pid,
                    clinic=clinic,
                    kind="clinic",
                    started_at=now,
                    ended_at=now,
                    created_by=user,
                )
                for pid in batch
            )
            sessions = ScreeningSession.objects.bulk_create(
                ScreeningSession(
                    patient_id=pid,
                    mode="clinician",
                    clinic=clinic,
                    instrument_ids=["phq-9"],
                    status="completed",
                    started_by=user,
                    started_at=now,
                    completed_at=now,
                )
                for pid in batch
            )
            results = []
            for session in sessions:
                item9 = 1 if rng.random() < 0.2 else 0
                answers = {f"phq9-{n}": str(rng.randint(0, 3)) for n in range(1, 9)}
                answers["phq9-9"] = str(item9)
                total = sum(int(v) for v in answers.values())
                results.append(
                    ScreeningResult(
                        session=session,
                        patient_id=session.patient_id,
                        instrument_id="phq-9",
                        instrument_version="1.0.0",
                        category="mental_health",
                        answers=answers,
                        total=total,
                        band_code=_band(total),
                        positive=total >= 10,
                        threshold=10,
                        flags=["suicide_risk"] if item9 else [],
                        summary={},
                        recorded_at=now,
                        recorded_by=user,
                    )
                )
            ScreeningResult.objects.bulk_create(results)
            _seed_plans_and_referrals(clinic, user, batch, rng, now)
    return len(ids)


def _seed_plans_and_referrals(clinic, user, batch, rng, now) -> None:
    """A care plan with two activities for every patient; a referral for one in five."""
    import datetime

    from lantern.careplans.models import Activity, CarePlan
    from lantern.referrals.models import (
        Organization,
        Referral,
        ReferralStatusChange,
        Service,
    )

    plans = CarePlan.objects.bulk_create(CarePlan(patient_id=pid, created_at=now) for pid in batch)
    Activity.objects.bulk_create(
        Activity(
            plan=plan,
            code=code,
            title=code,
            category=category,
            owner=user,
            status=rng.choice(("planned", "scheduled", "done")),
            earliest=now + datetime.timedelta(days=days - 7),
            due=now + datetime.timedelta(days=days),
            latest=now + datetime.timedelta(days=days + 14),
            protocol_id="sa-followup-v1",
            protocol_version="1.0.0",
            created_at=now,
            created_by=user,
        )
        for plan in plans
        for code, category, days in (
            ("hiv-retest", "physical", 42),
            ("mental-health-rescreen", "mental", 30),
        )
    )
    system = clinic.health_system
    service = Service.objects.filter(health_system=system).first()
    if service is None:
        organization = Organization.objects.create(health_system=system, name="Bench shelter")
        service = Service.objects.create(
            health_system=system, organization=organization, name="Emergency beds"
        )
    referrals = Referral.objects.bulk_create(
        Referral(
            patient_id=pid,
            clinic=clinic,
            service=service,
            origin="chart",
            status="sent",
            status_at=now,
            owner=user,
            shared_items=["first_name", "safe_contact"],
            created_at=now,
            created_by=user,
        )
        for pid in batch
        if rng.random() < 0.2
    )
    ReferralStatusChange.objects.bulk_create(
        ReferralStatusChange(
            referral=referral, from_status=before, to_status=after, at=now, actor=user
        )
        for referral in referrals
        for before, after in (("", "draft"), ("draft", "sent"))
    )


def _band(total: int) -> str:
    for high, code in ((4, "minimal"), (9, "mild"), (14, "moderate"), (19, "moderately_severe")):
        if total <= high:
            return code
    return "severe"


def _register_client(clinic):
    from joserfc.jwk import ECKey, KeySet

    from lantern.fhir import services

    key = ECKey.generate_key("P-384", parameters={"kid": "bench"})
    client = services.api_client_register(
        actor=None,
        name="Bench EHR",
        clinic=clinic,
        scope_text="system/*.rs lantern/identity.read",
        jwks=KeySet([key]).as_dict(private=False),
    )
    return client, key


def _export(client) -> dict[str, float]:
    """One system export in its own process: resources, seconds (wall and CPU), memory."""
    from lantern.fhir.access import ClientAccess
    from lantern.fhir.bulk import export_start
    from lantern.fhir.resources import REGISTRY
    from lantern.fhir.scopes import Grant

    access = ClientAccess(
        client=client, grant=Grant.of(client.scopes), base_url="http://localhost/fhir"
    )
    # Queued for the task worker (none runs here): the child process runs it instead.
    export = export_start(
        access=access,
        level="system",
        group_id="",
        types=list(REGISTRY),
        since=None,
        url="http://localhost/fhir/$export",
    )
    command = [sys.executable, "-u", __file__, "--export-child", str(export.pk)]
    completed = subprocess.run(  # noqa: S603 (our own interpreter and script)
        command, env=os.environ, stdout=subprocess.PIPE, text=True, check=True, timeout=3600
    )
    figures: dict[str, float] = json.loads(completed.stdout.strip().splitlines()[-1])
    return figures


def _high_water_mb() -> float:
    """This process's peak RSS (VmHWM). ``ru_maxrss`` would not do: it survives exec, so a
    child started from a big parent reports the parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def export_child(export_id: str) -> None:
    import django

    django.setup()
    from lantern.fhir.bulk import run_export
    from lantern.fhir.models import BulkExportFile

    baseline = _high_water_mb()
    started, cpu_started = time.perf_counter(), time.process_time()
    if os.environ.get("FHIR_BENCH_PROFILE"):
        import cProfile
        import pstats

        profile = cProfile.Profile()
        outcome = profile.runcall(run_export.call, export_id)
        order = os.environ.get("FHIR_BENCH_SORT", "cumulative")  # or tottime
        pstats.Stats(profile, stream=sys.stderr).sort_stats(order).print_stats(45)
    else:
        outcome = run_export.call(export_id)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    if outcome != "completed":
        raise SystemExit(f"export {outcome}")
    count = sum(
        BulkExportFile.objects.filter(export_id=export_id).values_list("resources", flat=True)
    )
    peak = _high_water_mb()
    figures = {"resources": count, "seconds": seconds, "cpu": cpu}
    print(json.dumps(figures | {"baseline_mb": baseline, "peak_mb": peak}))


def _by_type(client) -> None:
    """Each patient type's rows read and rendered on their own (no files): CPU cost per type."""
    from lantern.fhir.access import ClientAccess
    from lantern.fhir.bulk import PATIENT_BATCH
    from lantern.fhir.resources import REGISTRY
    from lantern.fhir.scopes import Grant

    access = ClientAccess(
        client=client, grant=Grant.of(client.scopes), base_url="http://localhost/fhir"
    )
    ids = list(access.patients().order_by("pk").values_list("pk", flat=True))
    for name, resource_type in REGISTRY.items():
        if not resource_type.in_patient_compartment:
            continue
        count, started, begun = 0, time.process_time(), time.perf_counter()
        for start in range(0, len(ids), PATIENT_BATCH):
            batch = ids[start : start + PATIENT_BATCH]
            for row in resource_type.export_rows(access, batch, None, [resource_type]):
                count += len(resource_type.render(row, access))
        cpu, wall = time.process_time() - started, time.perf_counter() - begun
        rate = f"{count / cpu:,.0f} per CPU second" if cpu and count else "-"
        print(
            f"  {name}: {count:,} resources in {cpu:.2f} CPU s ({wall:.2f} s) = {rate}",
            flush=True,
        )


def _reads(client, key, count: int) -> list[float]:
    from django.test import Client
    from joserfc import jwt

    from lantern.patients.models import Patient

    http = Client(HTTP_HOST="localhost")
    now = int(time.time())
    claims = {
        "iss": client.client_id,
        "sub": client.client_id,
        "aud": "http://localhost/fhir/auth/token",
        "exp": now + 240,
        "jti": uuid.uuid4().hex,
    }
    signed = jwt.encode({"alg": "ES384", "kid": "bench"}, claims, key, algorithms=["ES384"])
    response = http.post(
        "/fhir/auth/token",
        {
            "grant_type": "client_credentials",
            "scope": "system/Patient.rs lantern/identity.read",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": signed,
        },
    )
    token = response.json()["access_token"]
    ids = list(Patient.objects.values_list("pk", flat=True)[:200_000])
    chosen = random.Random(7).sample(ids, min(count, len(ids)))
    timings = []
    for patient_id in chosen:
        started = time.perf_counter()
        response = http.get(f"/fhir/Patient/{patient_id}", HTTP_AUTHORIZATION=f"Bearer {token}")
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"Patient read answered {response.status_code}")
    return timings


def worker(args: argparse.Namespace) -> None:
    vendor = harness.start_worker()
    from django.db import connection
    from django.utils import timezone

    from lantern.patients.bulk import patients_bulk_create
    from lantern.patients.models import Patient
    from lantern.patients.synthetic import synthetic_patients

    clinic, user = harness.bench_clinician()
    client, key = _register_client(clinic)
    seeded = 0
    for stage, target in enumerate(args.stages, start=1):
        started = time.perf_counter()
        patients_bulk_create(
            actor=None,
            records=synthetic_patients(target - seeded, args.seed + stage, timezone.localdate()),
            clinic=clinic,
            care_team=[user],
        )
        charts = _seed_charts(clinic, user, stage)
        seeded = Patient.objects.count()
        if vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        took = time.perf_counter() - started
        print(f"seed: {seeded:,} patients ({charts:,} new charts) in {took:.1f} s")
        found = _export(client)
        rate, cpu_rate = found["resources"] / found["seconds"], found["resources"] / found["cpu"]
        verdict = "meets" if rate >= EXPORT_TARGET else "BELOW"
        print(
            f"$export: {found['resources']:,.0f} resources in {found['seconds']:.1f} s = "
            f"{rate:,.0f} resources/s ({verdict} the {EXPORT_TARGET:,}/s target; "
            f"{cpu_rate:,.0f} per CPU second); peak RSS {found['peak_mb']:.0f} MB "
            f"(after start-up {found['baseline_mb']:.0f} MB)",
            flush=True,
        )
    if args.by_type:
        print("rows read and rendered, type by type (no files, no audit):")
        if os.environ.get("FHIR_BENCH_PROFILE"):
            import cProfile
            import pstats

            profile = cProfile.Profile()
            profile.runcall(_by_type, client)
            pstats.Stats(profile, stream=sys.stderr).sort_stats("tottime").print_stats(40)
        else:
            _by_type(client)
    timings = _reads(client, key, args.reads)
    print(
        f"Patient read over {seeded:,} patients, {len(timings)} reads: "
        f"median {harness.percentile(timings, 0.5):.1f} ms, "
        f"p95 {harness.percentile(timings, 0.95):.1f} ms, max {max(timings):.1f} ms "
        f"(target median < 20 ms)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stages", default="15000,100000", help="patients after each stage")
    parser.add_argument("--reads", type=int, default=300)
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="postgres")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--by-type", action="store_true", help="also time each type alone")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("LANTERN_BENCH_POSTGRES_URL", harness.DEFAULT_POSTGRES_URL),
    )
    parser.add_argument("--postgres-db", default="lantern_fhir_bench")
    parser.add_argument("--timeout", type=int, default=3600)
    parser.add_argument("--worker", choices=("sqlite", "postgres"), help=argparse.SUPPRESS)
    parser.add_argument("--tmp", help=argparse.SUPPRESS)
    parser.add_argument("--export-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export_child:
        export_child(args.export_child)
        return 0
    args.stages = sorted(int(n) for n in str(args.stages).split(",") if n)
    if args.worker:
        worker(args)
        return 0
    print(f"Lantern FHIR benchmark: stages {args.stages} patients", flush=True)

    def run(database: str, database_url: str, tmp: Path) -> int:
        worker_args = [
            "--stages",
            ",".join(map(str, args.stages)),
            "--reads",
            str(args.reads),
            "--seed",
            str(args.seed),
            *(["--by-type"] if args.by_type else []),
            "--tmp",
            str(tmp),
        ]
        return harness.run_worker(__file__, worker_args, database, database_url, tmp, args.timeout)

    return harness.run_selected(args.database, run, args.postgres_url, args.postgres_db, PREFIX)


if __name__ == "__main__":
    sys.exit(main())
