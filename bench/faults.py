"""Fault benchmark: SIGKILL parts of a running Lantern while writes are in flight, then count.

Usage (from the repository root)::

    .venv/bin/python bench/faults.py                 # 30 rounds
    .venv/bin/python bench/faults.py --rounds 5      # one of each kind of kill
    .venv/bin/python bench/faults.py --rounds 6 --kinds "audit sealer"

A fresh PostgreSQL database with Lantern's two roles (docs/deploy.md), production mode,
fresh keys and its own data folder; ``lantern serve`` on 127.0.0.1 (gunicorn, the task
worker, the audit sealer) and an SMTP server (aiosmtpd) on 127.0.0.1 that the task worker
sends reminders to. Each round, signed-in clinicians open charts (audited reads) and add
care-plan activities through the real form, each titled with its own marker, while
reminders are queued through the outbox; then one process is killed with SIGKILL, in
turn:

* ``web worker``: one gunicorn worker, while it answers;
* ``whole server``: the supervisor and every process under it at once (a crash), then
  ``lantern serve`` is started again;
* ``task worker``: while it is talking to the SMTP server about a reminder;
* ``audit sealer``: while it seals a batch (it is paused first so a backlog builds up,
  then killed once PostgreSQL shows it writing the batch's hashes);
* ``supervisor``: ``lantern serve``'s own process group alone; its children must stop by
  themselves (none left running unsupervised), then ``lantern serve`` is started again.

After the kill the writes go on a moment, stop, and the round waits (bounded) for the
supervisor to restart what died, the outbox to drain and the sealer to catch up. Then it
checks: every write the client saw acknowledged (302) is stored exactly once and no write
twice; each stored activity has exactly one audit entry; every chart read the client was
shown (200) has its audit entry, and no read has two; every queued reminder was sent and
arrived exactly once; no entry is sealed beyond the chain head nor left unsealed below it
(nothing half-sealed); ``lantern audit verify --checkpoints FILE`` passes. One line per
round, and a summary line ``faults: N/N clean ...``.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness
import live

KINDS = ("web worker", "whole server", "task worker", "audit sealer", "supervisor")
PREFIX = "lantern-faults-bench-"
LEASE_SECONDS = 3
WAIT = 90.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--clients", type=int, default=4, help="signed-in clinicians writing")
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument("--port", type=int, default=18210)
    parser.add_argument("--smtp-port", type=int, default=18211)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--kinds", default=",".join(KINDS), help="what to kill, in turn (comma-separated)"
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("LANTERN_BENCH_POSTGRES_URL", harness.DEFAULT_POSTGRES_URL),
    )
    parser.add_argument("--postgres-db", default="lantern_faults_bench")
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    options, _rest = parser.parse_known_args()
    if options.worker:
        return Rounds(options).run()
    with live.fresh_database(options.postgres_url, options.postgres_db) as database:
        tmp = Path(tempfile.mkdtemp(prefix=PREFIX))
        try:
            env = live.production_env(
                database,
                tmp / "data",
                LANTERN_SMTP_HOST="127.0.0.1",
                LANTERN_SMTP_PORT=str(options.smtp_port),
                LANTERN_SMTP_TLS="false",
                LANTERN_SMTP_TIMEOUT_SECONDS="5",
                LANTERN_MESSAGING_LEASE_SECONDS=str(LEASE_SECONDS),
                LANTERN_PATIENT_MAIL_FROM="clinic@bench.invalid",
                FAULTS_BENCH_TMP=str(tmp),
            )
            started = time.perf_counter()
            live.install(env, database)
            print(f"migrate and collectstatic: {time.perf_counter() - started:.1f} s", flush=True)
            args = sys.argv[1:]
            return live.run_self(__file__, args, env, options.timeout)
        finally:
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)


# --- The SMTP server the task worker sends reminders to ----------------------------------


class Mailbox:
    """aiosmtpd on 127.0.0.1, as the delivery tests use it; ``hold_at`` holds the n-th RCPT
    (1-based) until ``release`` is set, so a worker can be killed in the middle of a send."""

    def __init__(self, port: int) -> None:
        from aiosmtpd.controller import Controller

        self.bodies: list[str] = []
        self.rcpts = 0
        self.hold_at = 0
        self.holding, self.release = threading.Event(), threading.Event()
        self.controller = Controller(self, hostname="127.0.0.1", port=port)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        import asyncio

        self.rcpts += 1
        if self.rcpts == self.hold_at:
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        import email

        message = email.message_from_bytes(envelope.content)
        payload = message.get_payload(decode=True)
        self.bodies.append(payload.decode().strip() if isinstance(payload, bytes) else str(payload))
        return "250 Message accepted for delivery"

    def __enter__(self) -> Mailbox:
        import logging

        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.controller.stop()


# --- One round's traffic ------------------------------------------------------------------


@dataclass
class Tally:
    """What the clients sent and what they were told, per round."""

    writes_acked: set[str] = field(default_factory=set)
    writes_unacked: set[str] = field(default_factory=set)
    reads_acked: Counter[str] = field(default_factory=Counter)
    reads_sent: Counter[str] = field(default_factory=Counter)
    reminders: list[str] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Clinician:
    """One signed-in clinician: opens a chart, adds an activity, again and again."""

    def __init__(self, base: str, staff: live.Staff, patients: list[str], number: int) -> None:
        import requests

        self.base, self.staff, self.patients, self.number = base, staff, patients, number
        self.session = requests.Session()
        live.prepare_session(self.session, base)
        live.sign_in(self.session, base, staff)
        plan = self.session.get(f"{base}/patients/{patients[0]}/care-plan/", timeout=30)
        self.csrf = live.csrf_token(plan.text)

    def work(self, round_number: int, tally: Tally, stop: threading.Event) -> None:
        import requests

        rng = random.Random(f"{round_number}-{self.number}")
        n = 0
        while not stop.is_set():
            patient = rng.choice(self.patients)
            user = self.staff.username
            with tally.lock:
                tally.reads_sent[user] += 1
            try:
                shown = self.session.get(f"{self.base}/patients/{patient}/", timeout=20)
                if shown.status_code == 200:
                    with tally.lock:
                        tally.reads_acked[user] += 1
                else:
                    tally.errors[f"read {shown.status_code}"] += 1
            except requests.RequestException:
                tally.errors["read no answer"] += 1
                stop.wait(0.2)  # as a person would, before trying again
            marker = f"fault-{round_number}-{self.number}-{n}"
            n += 1
            try:
                answer = self.session.post(
                    f"{self.base}/patients/{patient}/care-plan/activities/",
                    data={
                        "csrfmiddlewaretoken": self.csrf,
                        "kind": "other",
                        "title": marker,
                        "due": (datetime.date.today() + datetime.timedelta(days=7)).isoformat()
                        + "T09:00",
                        "owner": "",
                        "rationale": "",
                    },
                    timeout=20,
                    allow_redirects=False,
                )
                acked = 200 <= answer.status_code < 400
                if answer.status_code == 200:
                    tally.errors["write refused by the form"] += 1
                    acked = False
                elif not acked:
                    tally.errors[f"write {answer.status_code}"] += 1
            except requests.RequestException:
                acked = False
                tally.errors["write no answer"] += 1
                stop.wait(0.2)
            with tally.lock:
                (tally.writes_acked if acked else tally.writes_unacked).add(marker)


# --- The rounds (inside the installation's environment) ----------------------------------


class Rounds:
    def __init__(self, options: argparse.Namespace) -> None:
        import django

        django.setup()
        self.options = options
        self.tmp = Path(os.environ["FAULTS_BENCH_TMP"])
        self.data_dir = Path(os.environ["LANTERN_DATA_DIR"])
        self.checkpoint_file = self.data_dir / "audit-checkpoints.log"
        self.rng = random.Random(options.seed)

    def run(self) -> int:
        started = time.perf_counter()
        data = live.seed(clinicians=self.options.clients, patients=self.options.patients)
        self.patients = [row["patient"] for row in data["patients"]][:20]
        self.channels = self._safe_email_channels(self.patients[:5])
        print(
            f"data set: {self.options.patients} patients, {self.options.clients} clinicians, "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )
        smtp = Mailbox(self.options.smtp_port)
        self.smtp = smtp
        self.server = live.Server(
            dict(os.environ), self.options.port, self.tmp / "serve.log", self.options.web_workers
        )
        results = []
        with smtp, self.server:
            boot = time.perf_counter()
            self.server.start()
            print(f"lantern serve up in {time.perf_counter() - boot:.1f} s", flush=True)
            self.clinicians = [
                Clinician(self.server.base, staff, self.patients, number)
                for number, staff in enumerate(live.staff_from(data))
            ]
            kinds = self.options.kinds.split(",")
            for number in range(1, self.options.rounds + 1):
                results.append(self.round(number, kinds[(number - 1) % len(kinds)]))
        return self.summary(results)

    def _safe_email_channels(self, patient_ids: list[str]) -> list[Any]:
        from lantern.accounts.models import User
        from lantern.patients import services
        from lantern.patients.models import Patient

        actor = User.objects.order_by("pk").first()
        made = []
        for number, patient in enumerate(Patient.objects.filter(pk__in=patient_ids)):
            services.contact_plan_update(
                actor=actor,
                patient=patient,
                do_not_contact=False,
                notes="",
                confirmed_at=datetime.date.today(),
            )
            channel = services.contact_channel_update(
                actor=actor,
                patient=patient,
                channel="email",
                values={
                    "safety": "safe",
                    "destination": f"patient{number}@bench.invalid",
                    "time_windows": [],
                    "voicemail_allowed": False,
                    "code_word": "",
                    "approved_wording": "",
                    "confirmed_at": datetime.date.today(),
                },
            )
            made.append((patient, channel))
        return made

    # --- traffic -------------------------------------------------------------------------

    def _enqueue(self, round_number: int, tally: Tally, stop: threading.Event) -> None:
        from django.db import connection, transaction

        from lantern.messaging.services import message_enqueue, patient_channel_ref

        n = 0
        try:
            while not stop.is_set():
                patient, channel = self.channels[n % len(self.channels)]
                key = f"fault:{round_number}:{n}"
                with transaction.atomic():
                    message_enqueue(
                        key=key,
                        channel="email",
                        audience="patient",
                        recipient_ref=patient_channel_ref(channel),
                        body=f"Reminder {key}.",
                        subject="Reminder",
                        patient=patient,
                    )
                tally.reminders.append(key)
                n += 1
                stop.wait(0.15)
        finally:
            connection.close()

    def round(self, number: int, kind: str) -> dict[str, Any]:
        from django.utils import timezone

        tally, stop = Tally(), threading.Event()
        self.orphans = 0
        began = timezone.now()
        if kind == "audit sealer":
            sealer = self.server.current("audit sealer")
            os.kill(sealer, signal.SIGSTOP)  # a backlog builds up while it waits
        threads = [
            threading.Thread(target=c.work, args=(number, tally, stop), daemon=True)
            for c in self.clinicians
        ] + [threading.Thread(target=self._enqueue, args=(number, tally, stop), daemon=True)]
        for thread in threads:
            thread.start()
        time.sleep(self.rng.uniform(1.0, 2.5))
        how = self.kill(kind)
        # Only committed rows are visible: a batch the kill interrupted must show nothing.
        half_sealed_now = self.half_sealed() if kind == "audit sealer" else 0
        time.sleep(1.5)
        recovered = time.perf_counter()
        if kind in ("whole server", "supervisor"):
            self.server.start()
        else:
            self.server.wait_ready(WAIT)
        recovery = time.perf_counter() - recovered
        time.sleep(0.5)  # writes go on against the restarted processes
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        settled = self.settle(tally)
        ended = timezone.now()
        outcome = self.check(number, tally, began, ended)
        outcome.update(
            round=number,
            kind=kind,
            how=how,
            recovery=recovery,
            settle=settled,
            half_sealed=outcome["half_sealed"] + half_sealed_now,
            orphans=self.orphans,
        )
        outcome["clean"] = not any(
            outcome[k]
            for k in (
                "lost",
                "doubled",
                "audit_lost",
                "audit_doubled",
                "reads_unaudited",
                "reads_doubled",
                "reminders_lost",
                "reminders_twice",
                "half_sealed",
                "orphans",
            )
        ) and outcome["verify"].startswith("ok")
        print(self.line(outcome, tally), flush=True)
        return outcome

    # --- kills ---------------------------------------------------------------------------

    def kill(self, kind: str) -> str:
        if kind == "web worker":
            busy = self.server.web_worker_pids()
            victim = self.rng.choice(busy)
            os.kill(victim, signal.SIGKILL)
            return f"pid {victim}"
        if kind == "whole server":
            killed = self.server.kill_everything()
            return f"{len(killed)} processes"
        if kind == "supervisor":
            return self._kill_supervisor()
        if kind == "task worker":
            return self._kill_worker_mid_send()
        return self._kill_sealer_mid_batch()

    def _kill_supervisor(self) -> str:
        """SIGKILL ``lantern serve``'s own process group: its children must stop too."""
        assert self.server.process is not None  # noqa: S101
        os.killpg(self.server.process.pid, signal.SIGKILL)
        self.server.process.wait(timeout=30)
        deadline = time.monotonic() + 45  # gunicorn lets answers in progress finish
        while self.server.every_pid() and time.monotonic() < deadline:
            time.sleep(0.1)
        self.orphans = len(self.server.every_pid())
        self.server.kill_everything()  # so a failure here does not spoil the next rounds
        return f"{self.orphans} processes left running"

    def _kill_worker_mid_send(self) -> str:
        handler = self.smtp
        handler.release.clear()
        handler.holding.clear()
        handler.hold_at = handler.rcpts + 1  # the next reminder's recipient is held
        held = handler.holding.wait(20)
        victim = self.server.current("task worker")
        os.kill(victim, signal.SIGKILL)
        handler.release.set()
        handler.hold_at = 0
        return f"pid {victim}, {'mid-send' if held else 'idle'}"

    def _kill_sealer_mid_batch(self) -> str:
        from django.db import connection

        victim = self.server.current("audit sealer")
        os.kill(victim, signal.SIGCONT)
        seen = ""
        deadline = time.monotonic() + 5
        with connection.cursor() as cursor:
            while time.monotonic() < deadline and not seen:
                cursor.execute(
                    "SELECT left(query, 40) FROM pg_stat_activity "
                    "WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL "
                    "AND state IN ('active', 'idle in transaction') AND ("
                    "query LIKE 'UPDATE audit_auditevent AS e%%' "
                    "OR query LIKE 'UPDATE \"audit_auditchainhead\"%%' "
                    "OR query LIKE 'INSERT INTO \"audit_auditcheckpoint\"%%')"
                )
                row = cursor.fetchone()
                if row:
                    seen = row[0]
        os.kill(victim, signal.SIGKILL)
        where = "writing its batch" if seen else "between batches"
        return f"pid {victim}, {where}"

    # --- after the kill ------------------------------------------------------------------

    def settle(self, tally: Tally) -> float:
        """Wait for the outbox to drain and the sealer to seal everything appended so far."""
        from lantern.audit.models import AuditChainHead, AuditEvent
        from lantern.messaging.models import OutboxMessage, State

        started = time.perf_counter()
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            pending = OutboxMessage.objects.filter(
                idempotency_key__in=tally.reminders, state__in=(State.QUEUED, State.SENDING)
            ).exists()
            last = (
                AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first()
            )
            head = AuditChainHead.objects.filter(pk=1).values_list("sequence", flat=True).first()
            filed = self._file_head()
            if (
                not pending
                and last is not None
                and head is not None
                and head >= last
                and filed >= head
            ):
                break
            time.sleep(0.2)
        time.sleep(LEASE_SECONDS + 0.5)  # a repeat delivery would have had time to arrive
        return time.perf_counter() - started

    def _file_head(self) -> int:
        from lantern.audit import checkpoints

        last = checkpoints.last_in_file(self.checkpoint_file)
        return 0 if last is None else last.sequence

    def half_sealed(self) -> int:
        """Entries hashed beyond the head, or left without a hash below it."""
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM audit_auditevent e, audit_auditchainhead h WHERE h.id = 1 "
                "AND ((e.sequence > h.sequence AND e.entry_hash <> '') "
                "OR (e.sequence <= h.sequence AND e.entry_hash = ''))"
            )
            (count,) = cursor.fetchone()
        return int(count)

    def check(self, number: int, tally: Tally, began: Any, ended: Any) -> dict[str, Any]:
        from lantern.audit.models import Action, AuditEvent
        from lantern.careplans.models import Activity
        from lantern.messaging.models import OutboxMessage, State

        made = Activity.objects.filter(created_at__gte=began - datetime.timedelta(seconds=5))
        prefix = f"fault-{number}-"
        titles = {a.pk: str(a.title) for a in made if str(a.title).startswith(prefix)}
        stored = Counter(titles.values())
        mine = tally.writes_acked | tally.writes_unacked
        created = Counter(
            AuditEvent.objects.filter(
                action=Action.CREATE,
                object_type="careplans.activity",
                object_id__in=[str(pk) for pk in titles],
            ).values_list("object_id", flat=True)
        )
        reads = Counter(
            AuditEvent.objects.filter(
                action=Action.READ,
                actor__username__in=list(tally.reads_sent),
                object_type="patients.patient",
                at__gte=began,
                at__lte=ended,
            ).values_list("actor__username", flat=True)
        )
        states = Counter(
            OutboxMessage.objects.filter(idempotency_key__in=tally.reminders).values_list(
                "state", flat=True
            )
        )
        bodies = Counter(self.smtp.bodies)
        arrived = [bodies[f"Reminder {key}."] for key in tally.reminders]
        verify = live.lantern(
            dict(os.environ), "audit", "verify", "--checkpoints", str(self.checkpoint_file)
        )
        verdict = (
            "ok " + verify.stdout.split(" entries", 1)[0] + " entries"
            if verify.returncode == 0
            else "FAILED " + (verify.stderr or verify.stdout).strip()[-300:]
        )
        return {
            "acked": len(tally.writes_acked),
            "unacked": len(tally.writes_unacked),
            "unacked_stored": sum(1 for m in tally.writes_unacked if stored[m]),
            "lost": sum(1 for m in tally.writes_acked if stored[m] == 0),
            "doubled": sum(1 for m in mine if stored[m] > 1),
            "strays": sum(1 for m in stored if m not in mine),
            "audit_lost": sum(1 for pk in titles if created[str(pk)] == 0),
            "audit_doubled": sum(1 for pk in titles if created[str(pk)] > 1),
            "reads_acked": sum(tally.reads_acked.values()),
            "reads_audited": sum(reads.values()),
            "reads_unaudited": sum(
                max(0, tally.reads_acked[u] - reads[u]) for u in tally.reads_sent
            ),
            "reads_doubled": sum(max(0, reads[u] - tally.reads_sent[u]) for u in tally.reads_sent),
            "reminders": len(tally.reminders),
            "reminders_lost": sum(1 for n in arrived if n == 0)
            + sum(v for s, v in states.items() if s != State.SENT),
            "reminders_twice": sum(1 for n in arrived if n > 1),
            "half_sealed": self.half_sealed(),
            "verify": verdict,
        }

    @staticmethod
    def line(o: dict[str, Any], tally: Tally) -> str:
        errors = ", ".join(f"{k} {v}" for k, v in sorted(tally.errors.items())) or "none"
        return (
            f"round {o['round']:2d} {o['kind']:<12} ({o['how']}): "
            f"{'clean' if o['clean'] else 'NOT CLEAN'}; "
            f"writes {o['acked']} acknowledged, {o['unacked']} unanswered "
            f"({o['unacked_stored']} of them stored), lost {o['lost']}, doubled {o['doubled']}; "
            f"activity audit lost {o['audit_lost']} doubled {o['audit_doubled']}; "
            f"reads shown {o['reads_acked']} audited {o['reads_audited']} "
            f"(unaudited {o['reads_unaudited']}, doubled {o['reads_doubled']}); "
            f"reminders {o['reminders']} lost {o['reminders_lost']} twice {o['reminders_twice']}; "
            f"half-sealed {o['half_sealed']}; verify {o['verify']}; "
            f"back in {o['recovery']:.1f} s, settled in {o['settle']:.1f} s; "
            f"client errors: {errors}"
        )

    @staticmethod
    def summary(results: list[dict[str, Any]]) -> int:
        clean = sum(1 for r in results if r["clean"])
        total = len(results)
        by_kind = Counter(r["kind"] for r in results if r["clean"])
        kinds = ", ".join(
            f"{kind} {by_kind[kind]}/{sum(1 for r in results if r['kind'] == kind)}"
            for kind in KINDS
            if any(r["kind"] == kind for r in results)
        )
        sealer = [r for r in results if r["kind"] == "audit sealer"]
        mid = sum(1 for r in sealer if "writing its batch" in r["how"])
        sums = {
            k: sum(r[k] for r in results)
            for k in (
                "acked",
                "unacked",
                "unacked_stored",
                "lost",
                "doubled",
                "reads_acked",
                "reads_unaudited",
                "reminders",
                "reminders_lost",
                "reminders_twice",
                "half_sealed",
            )
        }
        print(
            f"faults: {clean}/{total} clean ({kinds}); writes {sums['acked']} acknowledged, "
            f"{sums['unacked']} unanswered ({sums['unacked_stored']} stored), "
            f"{sums['lost']} lost, {sums['doubled']} doubled; reads {sums['reads_acked']} shown, "
            f"{sums['reads_unaudited']} unaudited; reminders {sums['reminders']}, "
            f"{sums['reminders_lost']} lost, {sums['reminders_twice']} twice; "
            f"half-sealed {sums['half_sealed']}; sealer killed mid-batch {mid}/{len(sealer)}",
            flush=True,
        )
        return 0 if clean == total else 1


if __name__ == "__main__":
    sys.exit(main())
