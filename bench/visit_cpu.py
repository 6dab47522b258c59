"""Visit page CPU: what the server spends drawing one visit, measured in-process.

Usage (from the repository root)::

    .venv/bin/python bench/visit_cpu.py                     # CPU ms per request, median
    .venv/bin/python bench/visit_cpu.py --profile           # and where the time goes
    .venv/bin/python bench/visit_cpu.py --code ../other-checkout --code .   # compare

A fresh SQLite database with throw-away keys (``harness``): ``lantern seed`` grows a small
data set (patients and their visits), and one visit is filled in as a clinician fills it
in (every consent given, exam steps, injuries, a disclosure, a follow-up assessment). The
clinician, on every care team, then opens that visit and a sample of seeded ones through
Django's test client, signed in with password and second factor, as a browser would.

CPU time (``time.process_time``: this process only, so other work on a shared machine
does not count) per request is printed as a median after a warm-up. Wall time would swing
with the machine's load; CPU time stays within a few per cent.

With ``--code DIR`` given more than once, the same database is measured with each
checkout's ``lantern`` package in turn, in alternating rounds (``--rounds``), so a change
can be compared with the code before it on the same machine at the same moment. The
checkouts must share the same migrations.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import harness

PREFIX = "lantern-visit-cpu-"
SAMPLE = 10  # seeded visits the timed requests go round, beside the filled-in one


def fill_in_visit(clinic: object, clinician: object) -> tuple[int, int]:
    """A visit of a seeded patient, filled in as a clinician would: (patient id, visit id)."""
    from lantern.encounters import consent_rules, services
    from lantern.patients.models import Patient

    patient = Patient.objects.filter(birth_date__isnull=False).order_by("pk").first()
    if patient is None or patient.is_minor():
        patient = Patient.objects.order_by("pk").first()
    if patient is None:
        raise SystemExit("no patient was seeded")
    visit = services.encounter_start(
        actor=clinician,
        patient=patient,
        clinic=clinic,
        kind="emergency",
        companion="came_alone",
        interpreter="in_person",
    )
    for scope, info in consent_rules.SCOPES.items():
        recipients = ["Harbor Legal Aid", "Safe Haven"] if info.named_recipient else [""]
        for recipient in recipients:
            services.consent_record(
                actor=clinician,
                patient=patient,
                encounter=visit if info.per_visit else None,
                scope=scope,
                status="given",
                method="verbal",
                recipient=recipient,
            )
    for step in ("general_exam", "blood_draw"):
        services.exam_step_record(
            actor=clinician, encounter=visit, step=step, status="done", told_can_stop=True
        )
    for region, kind in (("left_arm", "bruise"), ("head", "cut"), ("upper_back", "burn")):
        values = {"side": "front", "region": region, "kind": kind, "healing": "healing"}
        services.injury_record(actor=clinician, encounter=visit, **values)
    services.disclosure_create(
        actor=clinician,
        patient=patient,
        encounter=visit,
        kind="referral",
        recipient="Harbor Legal Aid",
        basis="consent",
        shared="Name and phone",
    )
    return patient.pk, visit.pk


def set_up(out: Path, args: argparse.Namespace) -> None:
    """Migrate, seed, fill in a visit; write the clinician and the visit paths to ``out``."""
    from io import StringIO

    harness.start_worker()
    from django.core.management import call_command

    from lantern.encounters.models import Encounter

    clinic, clinician = harness.bench_clinician()
    common = {"care_team": [clinician.username], "seed": 1, "stdout": StringIO()}
    call_command("seed", patients=args.patients, **common)
    call_command(
        "seed", visits=args.visits, screenings=args.visits, activities=args.visits, **common
    )
    filled = fill_in_visit(clinic, clinician)
    seeded = list(Encounter.objects.order_by("pk").values_list("patient_id", "pk")[:SAMPLE])
    paths = [f"/patients/{p}/visits/{v}/" for p, v in [filled, *seeded]]
    out.write_text(json.dumps({"user": clinician.pk, "paths": paths}))
    print(f"data: {args.patients} patients, {args.visits} visits; 1 filled-in visit", flush=True)


def signed_in_client(user_id: int) -> object:
    """A test client signed in with password and second factor, as Lantern requires."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    from lantern.accounts.middleware import SEEN_AT, SIGNED_IN_AT
    from lantern.accounts.models import Authenticator, User

    user = User.objects.get(pk=user_id)
    device = Authenticator.objects.create(user=user, confirmed=True, name="bench")
    client = Client()
    client.force_login(user)
    session = client.session
    session[SIGNED_IN_AT] = session[SEEN_AT] = time.time()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


class Timer:
    """CPU per labelled call: inclusive, and its own (without the labelled calls inside)."""

    def __init__(self) -> None:
        self.spent: dict[str, list[float]] = {}  # label: [inclusive, own, calls]
        self.inner: list[float] = []  # CPU of labelled calls inside each open call

    def wrap(self, function: Any, label: Any) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            self.inner.append(0.0)
            try:
                return function(*args, **kwargs)
            finally:
                took = time.process_time() - started
                inner = self.inner.pop()
                if self.inner:
                    self.inner[-1] += took
                total = self.spent.setdefault(label(*args) if callable(label) else label, [0, 0, 0])
                total[0] += took
                total[1] += took - inner
                total[2] += 1

        return timed

    def report(self, requests: int) -> None:
        print("CPU ms per request: inclusive, own (other timed parts aside), calls per request")
        for label, (spent, own, calls) in sorted(self.spent.items(), key=lambda kv: -kv[1][0]):
            print(f"  {spent * 1000 / requests:7.2f} {own * 1000 / requests:7.2f} ms "
                  f"{calls / requests:6.1f}  {label}")  # fmt: skip


def time_includes(timer: Timer) -> None:
    """Each included template, and each field drawn by ``{% form_field %}``."""
    from django.template.loader_tags import IncludeNode

    def name(node: IncludeNode, context: object) -> str:
        return str(node.template.var if hasattr(node.template, "var") else node.template)

    IncludeNode.render = timer.wrap(IncludeNode.render, name)  # type: ignore[method-assign]
    try:
        from lantern.core.templatetags import fields
    except ImportError:  # code from before {% form_field %}
        return
    fields.field_html = timer.wrap(fields.field_html, "{% form_field %}")


def time_parts(timer: Timer) -> None:
    """The visit view's parts: access checks, the data and forms, the templates."""
    from lantern.encounters.views import page, visits

    def timed(module: object, name: str, label: str) -> None:
        setattr(module, name, timer.wrap(getattr(module, name), label))

    timed(visits, "patient_for", "view: patient_for (access check, patient read)")
    timed(visits, "visit_for", "view: visit_for")
    timed(page, "visit_context", "view: visit_context (data and forms)")
    timed(page, "render", "view: templates")
    for name in ("_history", "consent_rows", "_injuries", "_blank_forms", "_follow_up"):
        timed(page, name, f"visit_context: {name}")
    timed(page.alerts, "urgent_alerts", "visit_context: urgent_alerts")


def measure(setup: dict[str, object], args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import override_settings

    override_settings(
        ALLOWED_HOSTS=["testserver", *settings.ALLOWED_HOSTS],
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ).enable()
    client = signed_in_client(int(setup["user"]))  # type: ignore[call-overload]
    paths: list[str] = list(setup["paths"])  # type: ignore[call-overload]
    chosen = paths[:1] if args.filled_only else paths

    def get(path: str) -> None:
        response = client.get(path)  # type: ignore[attr-defined]
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")

    for path in chosen * 3:  # warm-up: templates compiled, caches filled
        get(path)
    timer = Timer()
    if args.includes:
        time_includes(timer)
    if args.parts:
        time_parts(timer)
    if args.queries:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            get(chosen[0])
        print(f"SQL statements for {chosen[0]}: {len(queries)}")
        for query in queries.captured_queries:
            print(f"  {query['sql'][:300]}")
    profiler = cProfile.Profile() if args.profile else None
    cpu: list[float] = []
    for n in range(args.requests):
        path = chosen[n % len(chosen)]
        started = time.process_time()
        if profiler:
            profiler.enable()
        get(path)
        if profiler:
            profiler.disable()
        cpu.append((time.process_time() - started) * 1000)
    print(
        f"RESULT {statistics.median(cpu):.2f} visit page: CPU median "
        f"{statistics.median(cpu):.1f} ms, p90 {harness.percentile(cpu, 0.9):.1f} ms "
        f"({len(cpu)} requests)",
        flush=True,
    )
    if timer.spent:
        timer.report(len(cpu))
    if profiler:
        if args.profile_out:
            profiler.dump_stats(args.profile_out)
        stats = pstats.Stats(profiler).strip_dirs()
        stats.sort_stats("cumulative").print_stats(args.profile_lines)
        stats.sort_stats("tottime").print_stats(args.profile_lines)


def run_child(mode: list[str], code: Path, env: dict[str, str]) -> str:
    """This script, in a subprocess importing ``lantern`` from ``code``."""
    child_env = dict(env, PYTHONPATH=os.pathsep.join([str(code), str(harness.REPO_DIR)]))
    done = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-u", str(Path(__file__).resolve()), *mode],
        env=child_env,
        cwd=code,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"{code}: exit {done.returncode}\n{done.stdout}\n{done.stderr}")
    return done.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument("--visits", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=60, help="timed requests per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per checkout")
    parser.add_argument("--code", action="append", type=Path, help="checkout to measure")
    parser.add_argument("--filled-only", action="store_true", help="time the filled-in visit")
    parser.add_argument("--profile", action="store_true", help="print a profile (cProfile)")
    parser.add_argument("--includes", action="store_true", help="time each included template")
    parser.add_argument("--parts", action="store_true", help="time the view's parts")
    parser.add_argument("--queries", action="store_true", help="print the filled visit's SQL")
    parser.add_argument("--profile-out", type=Path, help="also write the profile to this file")
    parser.add_argument("--profile-lines", type=int, default=40)
    parser.add_argument("--worker", choices=("setup", "measure"), help=argparse.SUPPRESS)
    parser.add_argument("--state", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker == "setup":
        set_up(args.state, args)
        return 0
    if args.worker == "measure":
        measure(json.loads(args.state.read_text()), args)
        return 0

    codes = [code.resolve() for code in (args.code or [harness.REPO_DIR])]
    passed = ["--requests", str(args.requests), "--profile-lines", str(args.profile_lines)]
    passed += ["--filled-only"] * args.filled_only + ["--profile"] * args.profile
    passed += ["--includes"] * args.includes + ["--queries"] * args.queries
    passed += ["--parts"] * args.parts
    passed += ["--profile-out", str(args.profile_out.resolve())] if args.profile_out else []
    tmp = Path(tempfile.mkdtemp(prefix=PREFIX))
    env = harness.child_env(f"sqlite:///{tmp / 'bench.sqlite3'}", tmp / "data")
    state = tmp / "state.json"
    try:
        sizes = ["--patients", str(args.patients), "--visits", str(args.visits)]
        print(run_child(["--worker", "setup", "--state", str(state), *sizes], codes[0], env))
        medians: dict[Path, list[float]] = {code: [] for code in codes}
        for round_ in range(args.rounds):
            for code in codes:
                out = run_child(["--worker", "measure", "--state", str(state), *passed], code, env)
                result = next(line for line in out.splitlines() if line.startswith("RESULT"))
                medians[code].append(float(result.split()[1]))
                print(f"round {round_ + 1}, {code.name}: {result.split(' ', 2)[2]}", flush=True)
                if args.profile or args.includes or args.queries or args.parts:
                    print(out)
        for code, values in medians.items():
            rounds = ", ".join(f"{value:.1f}" for value in values)
            print(
                f"{code.name}: CPU per request, median of round medians "
                f"{statistics.median(values):.1f} ms ({rounds})"
            )
    finally:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
