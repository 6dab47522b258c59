"""Sign-in benchmark: what the password step costs with Lantern's hasher (Argon2id at OWASP's
parameters), beside the PBKDF2 hashes it replaces.

Usage (from the repository root)::

    .venv/bin/python bench/signin_bench.py [--signins 50] [--database sqlite|postgres|both]

For each database the script builds a fresh database (as the other benchmarks do, through
``harness``), creates a clinician whose password is hashed with Lantern's first hasher, and
then times, in order:

(a) the hasher alone: hashing a password, and checking a right and a wrong one;
(b) the whole sign-in page's password step as a browser sends it (``POST`` of the form
    through Django's test client, CSRF, lockout checks and the audit entry included), for a
    right password and a wrong one -- median, p95 and max;
(c) the first sign-in of a user whose stored hash is still PBKDF2: the step that checks
    it with PBKDF2 and rehashes it with Argon2id.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import harness

PREFIX = "lantern-signin-bench-"
PASSWORD = "a long and memorable bench passphrase"  # noqa: S105  (a throw-away account)


def _timed(count: int, step: Callable[[int], object]) -> list[float]:
    elapsed = []
    for n in range(count):
        started = time.perf_counter()
        step(n)
        elapsed.append((time.perf_counter() - started) * 1000)
    return elapsed


def _summary(label: str, per_call_ms: list[float]) -> None:
    print(
        f"{label}: median {statistics.median(per_call_ms):.1f} ms, "
        f"p95 {harness.percentile(per_call_ms, 0.95):.1f} ms, max {max(per_call_ms):.1f} ms "
        f"({len(per_call_ms)} times)"
    )


def worker(args: argparse.Namespace) -> None:
    harness.start_worker()
    from django.conf import settings
    from django.contrib.auth.hashers import check_password, get_hasher, make_password
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse

    from lantern.accounts.models import User

    # The page's static files are looked up without a collected manifest.
    override_settings(
        ALLOWED_HOSTS=["testserver", *settings.ALLOWED_HOSTS],
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ).enable()
    hasher = get_hasher()
    print(f"first hasher: {type(hasher).__name__} ({hasher.algorithm})")
    encoded = make_password(PASSWORD)
    print(f"  stored as {encoded.split('$', 4)[:4]}")
    _summary("hash a password", _timed(args.signins, lambda n: make_password(PASSWORD)))
    _summary(
        "check a right password", _timed(args.signins, lambda n: check_password(PASSWORD, encoded))
    )
    _summary(
        "check a wrong password", _timed(args.signins, lambda n: check_password("nope", encoded))
    )

    _clinic, user = harness.bench_clinician()
    user.set_password(PASSWORD)
    user.save()
    url = reverse("accounts:login")

    def sign_in(password: str) -> Callable[[int], object]:
        def step(n: int) -> object:
            response = Client().post(url, {"username": user.username, "password": password})
            if response.status_code not in {200, 302}:
                raise SystemExit(f"the sign-in page answered {response.status_code}")
            return response

        return step

    _summary("sign-in, right password", _timed(args.signins, sign_in(PASSWORD)))
    # Few enough wrong tries not to trip the lockout (5 per account and address).
    _summary("sign-in, wrong password", _timed(4, sign_in("not the password")))

    pbkdf2 = make_password(PASSWORD, hasher="pbkdf2_sha256")
    _summary(
        "check a right password, PBKDF2 (the hasher before)",
        _timed(max(3, args.signins // 5), lambda n: check_password(PASSWORD, pbkdf2)),
    )

    def first_sign_in_after_upgrade(n: int) -> object:
        User.objects.filter(pk=user.pk).update(password=pbkdf2)
        return sign_in(PASSWORD)(n)

    _summary(
        "sign-in with a PBKDF2 hash, rehashed",
        _timed(max(3, args.signins // 5), first_sign_in_after_upgrade),
    )
    if not User.objects.get(pk=user.pk).password.startswith("argon2$argon2id$"):
        raise SystemExit("the PBKDF2 hash was not upgraded to Argon2id")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--signins", type=int, default=50)
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("LANTERN_BENCH_POSTGRES_URL", harness.DEFAULT_POSTGRES_URL),
    )
    parser.add_argument("--postgres-db", default="lantern_signin_bench")
    parser.add_argument("--timeout", type=int, default=1800)
    parser.add_argument("--worker", choices=("sqlite", "postgres"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return 0
    print(f"Sign-in benchmark: {args.signins} sign-ins per measurement")

    def run(database: str, database_url: str, tmp: Path) -> int:
        return harness.run_worker(
            __file__, ["--signins", str(args.signins)], database, database_url, tmp, args.timeout
        )

    return harness.run_selected(args.database, run, args.postgres_url, args.postgres_db, PREFIX)


if __name__ == "__main__":
    sys.exit(main())
