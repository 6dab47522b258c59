"""``lantern serve``: the production web server (gunicorn) and the task worker, together.

Both processes are started and watched; if either stops, the other is stopped too, and
Ctrl-C or SIGTERM stops both cleanly.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve Lantern with gunicorn and run the background task worker beside it."

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
            "--access-logfile",
            "-",
            # Only method, path (opaque ids, never names) and status reach the access log.
            "--access-logformat",
            '%(t)s "%(m)s %(U)s" %(s)s %(L)ss',
            "--forwarded-allow-ips",
            "127.0.0.1",
        ]
        worker = [python, "-m", "lantern.cli", "db_worker", "--queue-name", "default"]
        processes = [subprocess.Popen(web, env=env), subprocess.Popen(worker, env=env)]  # noqa: S603
        self.stdout.write(
            f"Lantern is running on http://{options['host']}:{options['port']}/ (Ctrl-C stops it)"
        )

        def stop(*_: Any) -> None:
            for process in processes:
                if process.poll() is None:
                    process.terminate()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while all(process.poll() is None for process in processes):
                time.sleep(0.5)
        finally:
            stop()
            for process in processes:
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
        codes = [process.returncode for process in processes]
        if any(code not in (0, -signal.SIGTERM, -signal.SIGINT) for code in codes):
            sys.exit(1)
