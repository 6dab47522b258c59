"""``lantern serve``: the production web server (gunicorn), the task worker and the audit
sealer (``lantern audit seal --follow``), supervised.

Each runs as its own child process. On several machines sharing one database, each machine
runs only its share (``--no-web``, ``--no-worker``, ``--no-sealer``; docs/deploy.md): web
servers and task workers on as many machines as needed, the sealer on exactly one.

When one dies, it is started again after a pause that doubles with each quick failure
(1 s, 2 s, 4 s ... up to a minute) and resets once the child has run for a while; the
others keep running meanwhile, so a dying task worker never takes the web pages down.
Ctrl-C or SIGTERM stops them all cleanly.

If the supervisor itself is killed outright (SIGKILL, the out-of-memory killer), each child
is sent SIGTERM by the kernel and stops cleanly too (Linux: ``PR_SET_PDEATHSIG``): none is
left running unsupervised, holding the port and the old code, beside the ``lantern serve``
started after it.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

FIRST_PAUSE = 1.0
LONGEST_PAUSE = 60.0
# A child that ran this long before dying is considered to have been healthy.
HEALTHY_AFTER = 60.0
POLL = 0.2
STOP_TIMEOUT = 15
PR_SET_PDEATHSIG = 1


def _stop_with(supervisor: int) -> Any:
    """What a child runs before its program: SIGTERM it when ``supervisor`` dies (Linux).

    Made in the supervisor, so the child only calls into libc between fork and exec."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl

    def set_up() -> None:
        prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM))
        if os.getppid() != supervisor:  # it died while this child was starting
            os._exit(1)

    return set_up


@dataclass
class Child:
    """One supervised process and when it may be started again."""

    name: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restart_at: float = 0.0
    pause: float = FIRST_PAUSE
    restarts: int = field(default=0)

    def start(self, env: dict[str, str], log: Any) -> None:
        # Its own process group: gunicorn's workers are stopped with their master even if
        # the master was killed outright and could not stop them itself.
        self.process = subprocess.Popen(  # noqa: S603
            self.argv, env=env, process_group=0, preexec_fn=_stop_with(os.getpid())
        )
        self.started_at = time.monotonic()
        log(f"{self.name} started (pid {self.process.pid})")

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def reap(self, log: Any) -> None:
        """Note a death: clear what it left behind and schedule the restart."""
        assert self.process is not None  # noqa: S101  (only called on a started child)
        code = self.process.returncode
        self._kill_group(signal.SIGKILL)
        now = time.monotonic()
        if now - self.started_at >= HEALTHY_AFTER:
            self.pause = FIRST_PAUSE
        self.restart_at = now + self.pause
        log(f"{self.name} stopped (exit {code}); starting it again in {self.pause:g} s")
        self.pause = min(self.pause * 2, LONGEST_PAUSE)
        self.restarts += 1
        self.process = None

    def stop(self) -> None:
        if self.running():
            assert self.process is not None  # noqa: S101
            self.process.terminate()

    def wait(self) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._kill_group(signal.SIGKILL)

    def _kill_group(self, sig: signal.Signals) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, sig)


def web_server_argv(
    python: str,
    host: str,
    port: int,
    workers: int,
    application: str = "lantern.wsgi:application",
) -> list[str]:
    """The web server's command line (benchmarks serve Lantern the same way)."""
    return [
        python,
        "-m",
        "gunicorn",
        application,
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--no-control-socket",
        "--access-logfile",
        "-",
        # Method, URL pattern name (never the path), status and time: see access_log.
        "--logger-class",
        "lantern.core.access_log.AccessLogger",
        "--access-logformat",
        '%(t)s "%(m)s %(U)s" %(s)s %(L)ss',
        "--forwarded-allow-ips",
        "127.0.0.1",
    ]


class Command(BaseCommand):
    help = "Serve Lantern with gunicorn; run the task worker and the audit sealer beside it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
        parser.add_argument("--no-web", action="store_true", help="run no web server here")
        parser.add_argument("--no-worker", action="store_true", help="run no task worker here")
        parser.add_argument(
            "--no-sealer", action="store_true", help="run no audit sealer here (one runs elsewhere)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "lantern.settings"}
        children = self.children(options)
        if not children:
            raise CommandError(
                "--no-web, --no-worker and --no-sealer together leave nothing to run."
            )
        self._supervise(children, env, options)

    @staticmethod
    def children(options: dict[str, Any]) -> list[Child]:
        """What this machine runs: all three unless told otherwise."""
        python = sys.executable
        web = web_server_argv(python, options["host"], options["port"], options["workers"])
        worker = [python, "-m", "lantern.cli", "worker", "--queue-name", "default"]
        sealer = [python, "-m", "lantern.cli", "audit", "seal", "--follow"]
        wanted = [
            (Child("web server", web), not options["no_web"]),
            (Child("task worker", worker), not options["no_worker"]),
            (Child("audit sealer", sealer), not options["no_sealer"]),
        ]
        return [child for child, runs in wanted if runs]

    def _log(self, message: str) -> None:
        self.stdout.write(f"lantern serve: {message}")
        self.stdout.flush()

    def _supervise(self, children: list[Child], env: dict[str, str], options: Any) -> None:
        stopping: list[int] = []

        def stop(signum: int, _frame: Any) -> None:
            stopping.append(signum)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        for child in children:
            child.start(env, self._log)
        if any(child.name == "web server" for child in children):
            where = f"on http://{options['host']}:{options['port']}/"
        else:
            where = "without a web server"
        self._log(f"Lantern is running {where} (Ctrl-C stops it)")
        try:
            while not stopping:
                now = time.monotonic()
                for child in children:
                    if child.process is not None and not child.running():
                        child.reap(self._log)
                    elif child.process is None and now >= child.restart_at:
                        child.start(env, self._log)
                time.sleep(POLL)
        finally:
            for child in children:
                child.stop()
            for child in children:
                child.wait()
        self._log("stopped")
