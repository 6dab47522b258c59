"""``lantern serve``: the production web server (gunicorn), the task worker and the audit
sealer (``lantern audit seal --follow``), supervised.

Each runs as its own child process. When one dies, it is started again after a pause that
doubles with each quick failure (1 s, 2 s, 4 s ... up to a minute) and resets once the
child has run for a while; the others keep running meanwhile, so a dying task worker never
takes the web pages down with it. Ctrl-C or SIGTERM stops them all cleanly.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

FIRST_PAUSE = 1.0
LONGEST_PAUSE = 60.0
# A child that ran this long before dying is considered to have been healthy.
HEALTHY_AFTER = 60.0
POLL = 0.2
STOP_TIMEOUT = 15


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
        self.process = subprocess.Popen(self.argv, env=env, process_group=0)  # noqa: S603
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


class Command(BaseCommand):
    help = "Serve Lantern with gunicorn; run the task worker and the audit sealer beside it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")

    def handle(self, *args: Any, **options: Any) -> None:
        python = sys.executable
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "lantern.settings"}
        web = [
            python,
            "-m",
            "gunicorn",
            "lantern.wsgi:application",
            "--bind",
            f"{options['host']}:{options['port']}",
            "--workers",
            str(options["workers"]),
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
        worker = [python, "-m", "lantern.cli", "worker", "--queue-name", "default"]
        sealer = [python, "-m", "lantern.cli", "audit", "seal", "--follow"]
        children = [
            Child("web server", web),
            Child("task worker", worker),
            Child("audit sealer", sealer),
        ]
        self._supervise(children, env, options)

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
        self._log(
            f"Lantern is running on http://{options['host']}:{options['port']}/ (Ctrl-C stops it)"
        )
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
