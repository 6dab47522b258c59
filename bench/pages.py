"""Page budgets: Lantern's main pages, served as in production, against a bare floor.

Usage (from the repository root)::

    .venv/bin/python bench/pages.py                  # PostgreSQL, full size (about an hour)
    .venv/bin/python bench/pages.py --patients 5000 --visits 50000 --screenings 50000 \\
        --activities 50000 --audit-entries 500000    # a moderate size

In its own subprocess with a fresh PostgreSQL database and throw-away keys, in production
mode: ``lantern seed`` grows the data set (patients, then their visits, screenings,
care-plan activities and audit trail, each at its rows per second), with one clinician on
every care team (the worst case: everything is visible to them) and a privacy officer.
Then Lantern is served the way ``lantern serve`` serves it (gunicorn, its arguments and
worker count, the audit sealer and task worker beside it; behind a TLS proxy, so requests
carry ``X-Forwarded-Proto: https``), and beside it the bare floor (``floor.py``: a Django
hello view with no middleware and no database) on the same server with the same workers.
The clinician and the officer sign in over HTTP with password and second factor.

For each page (chart, visit, search for a common and a misspelled name, worklist, audit
report) it prints the single-user median, p95 and max over ``--pages`` requests and the
SQL statements per request (``served.py`` adds them as a header; only the benchmark serves
it), then runs ``wrk`` against the floor and the page in alternation and prints requests
per second, p50 and p99 of each, and the page's share of the floor. It ends with one
summary line to compare between runs.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness

PREFIX = "lantern-pages-bench-"
# Single-user median budgets (ms) and shares of the floor under wrk, per page.
BUDGETS = {
    "chart": (10, 0.05),
    "visit": (15, None),
    "search, common name": (25, 0.03),
    "search, misspelled": (25, 0.03),
    "worklist": (50, None),
    "audit report": (50, None),
}
SAMPLE = 50  # patients and visits the timed requests go round


@dataclass
class Page:
    name: str
    paths: list[str]
    officer: bool = False
    expect: list[str] | None = None  # text each path's answer must show (as escaped HTML)
    queries: list[str] | None = None  # searched for: POSTed, so the query stays out of URLs


# --- Set-up: production settings, data set ------------------------------------------------


def production_environment(tmp: Path) -> None:
    """Production mode with keys made for this run; Lantern behind a TLS proxy on loopback."""
    import secrets

    from lantern.crypto.keyring import new_key_material

    for line in new_key_material("k1"):
        if "=" in line and not line.startswith("#"):
            name, value = line.split("=", 1)
            os.environ[name] = value
    os.environ.update(
        LANTERN_MODE="production",
        LANTERN_SECRET_KEY=secrets.token_urlsafe(60),
        LANTERN_ALLOWED_HOSTS="127.0.0.1",
        LANTERN_BEHIND_TLS_PROXY="true",
        LANTERN_AUDIT_CHECKPOINT_FILE=str(tmp / "audit-checkpoints.log"),
    )


def staff(password: str) -> tuple[Any, Any, Any]:
    """The clinic, its clinician and privacy officer, each with a password and authenticator."""
    from lantern.accounts.models import Authenticator, Role, User

    clinic, clinician = harness.bench_clinician()
    officer = User.objects.create_user(
        username="bench-officer",
        password=None,
        display_name="Bench Officer",
        role=Role.PRIVACY_OFFICER,
        health_system=clinic.health_system,
    )
    officer.clinics.add(clinic)
    for user in (clinician, officer):
        user.set_password(password)
        user.save()
        Authenticator.objects.create(user=user, confirmed=True, name="bench")
    return clinic, clinician, officer


def seed(args: argparse.Namespace) -> None:
    from io import StringIO

    from django.core.management import call_command

    common = {"care_team": ["bench-clinician"], "seed": args.seed, "allow_production": True}
    out = StringIO()
    call_command("seed", patients=args.patients, stdout=out, **common)
    call_command(
        "seed",
        visits=args.visits,
        screenings=args.screenings,
        activities=args.activities,
        stdout=out,
        **common,
    )
    call_command("seed", audit_entries=args.audit_entries, stdout=out, **common)
    for line in out.getvalue().splitlines():
        print(f"lantern seed: {line}", flush=True)


def database_size() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        return str(cursor.fetchone()[0])


def verify_trail() -> None:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "lantern.cli", "audit", "verify"],
        capture_output=True,
        text=True,
        check=False,
    )
    first = (done.stdout or done.stderr).strip().splitlines()[:1]
    print(f"lantern audit verify: exit {done.returncode} in {time.perf_counter() - started:.0f} s:")
    print(f"  {first[0] if first else ''}")


def pages_to_time(args: argparse.Namespace) -> list[Page]:
    """Paths for each page, over a sample of patients and visits, and the search queries."""
    import random

    from django.utils import timezone
    from django.utils.html import escape

    from lantern.encounters.models import Encounter
    from lantern.patients.synthetic import synthetic_patients

    rng = random.Random(args.seed)
    visits = list(Encounter.objects.order_by("?").values_list("patient_id", "pk")[:SAMPLE])
    # Full names (given and family), as a clinician types them at the desk: a single common
    # word would match thousands of records and time a search no one makes.
    names = collections.Counter(
        record.legal_name or record.preferred_name
        for record in synthetic_patients(args.patients, args.seed, timezone.localdate())
        if len((record.legal_name or record.preferred_name).split()) >= 2
    )
    common = [name for name, _count in names.most_common(SAMPLE)]
    shown = [str(escape(name)) for name in common]
    return [
        Page("chart", [f"/patients/{patient}/" for patient, _ in visits]),
        Page("visit", [f"/patients/{patient}/visits/{visit}/" for patient, visit in visits]),
        Page("search, common name", ["/patients/"], expect=shown, queries=common),
        Page(
            "search, misspelled",
            ["/patients/"],
            expect=shown,
            queries=[_misspelled(name, rng) for name in common],
        ),
        Page("worklist", ["/care-plans/worklist/?scope=team"]),
        Page("audit report", ["/audit/"], officer=True),
    ]


def _misspelled(name: str, rng: Any) -> str:
    """The name with one letter of its longest word changed."""
    words = name.split()
    longest = max(range(len(words)), key=lambda n: len(words[n]))
    word = words[longest]
    at = rng.randrange(1, len(word))
    replacement = "e" if word[at] != "e" else "a"
    words[longest] = word[:at] + replacement + word[at + 1 :]
    return " ".join(words)


# --- Servers -------------------------------------------------------------------------------


def start_servers(args: argparse.Namespace, tmp: Path) -> list[subprocess.Popen[bytes]]:
    """Lantern (web server, sealer, task worker, as ``lantern serve`` runs them) and the floor."""
    from lantern.core.management.commands.serve import web_server_argv

    python = sys.executable
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "lantern.settings"}
    floor_env = {k: v for k, v in env.items() if k != "DJANGO_SETTINGS_MODULE"}
    commands = [
        (web_server_argv(python, "127.0.0.1", args.port, 2, "bench.served:application"), env),
        ([python, "-m", "lantern.cli", "audit", "seal", "--follow"], env),
        ([python, "-m", "lantern.cli", "worker", "--queue-name", "default"], env),
        (
            web_server_argv(python, "127.0.0.1", args.port + 1, 2, "bench.floor:application"),
            floor_env,
        ),
    ]
    log = (tmp / "servers.log").open("ab")
    return [
        subprocess.Popen(  # noqa: S603 (our own interpreter)
            command, env=environment, stdout=log, stderr=log, process_group=0
        )
        for command, environment in commands
    ]


def stop_servers(children: list[subprocess.Popen[bytes]]) -> None:
    for child in children:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)
    for child in children:
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()


def wait_for(url: str, seconds: float = 90) -> None:
    import requests

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=10, allow_redirects=False)
            return
        except (requests.ConnectionError, requests.Timeout):  # still starting
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {seconds} s")


def drain(url: str, seconds: float = 60) -> None:
    """Wait until Lantern has answered the requests wrk left queued when it stopped: they
    would otherwise be served during the next measurement."""
    import requests

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.perf_counter()
        requests.get(url, timeout=seconds, allow_redirects=False)
        if time.perf_counter() - started < 0.2:
            return


# --- Signing in over HTTP ------------------------------------------------------------------


class Browser:
    """Just enough of a browser behind Lantern's TLS proxy: cookies (they are ``Secure``, so
    kept by hand), the proxy's header, and the referring page that CSRF checks ask for."""

    def __init__(self, base: str) -> None:
        self.base, self.cookies = base, {}

    @property
    def headers(self) -> dict[str, str]:
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        return {"X-Forwarded-Proto": "https", "Cookie": cookie}

    def get(self, path: str) -> Any:
        import requests

        response = requests.get(
            self.base + path, headers=self.headers, allow_redirects=False, timeout=60
        )
        self.cookies.update(response.cookies.get_dict())
        return response

    def token(self, path: str) -> str:
        """The CSRF token of the form at ``path``."""
        form = self.get(path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
        if token is None:
            raise SystemExit(f"no form at {path} (status {form.status_code})")
        return token.group(1)

    def form_headers(self, path: str) -> dict[str, str]:
        referer = "https://" + self.base.split("://", 1)[1] + path
        return {**self.headers, "Referer": referer}

    def post(self, path: str, data: dict[str, str], token: str | None = None) -> Any:
        import requests

        response = requests.post(
            self.base + path,
            data={**data, "csrfmiddlewaretoken": token or self.token(path)},
            headers=self.form_headers(path),
            allow_redirects=False,
            timeout=60,
        )
        self.cookies.update(response.cookies.get_dict())
        return response


def sign_in(base: str, user: Any, password: str) -> Browser:
    """Password, then the authenticator's current code, as a person signs in."""
    from lantern.accounts import mfa

    browser = Browser(base)
    first = browser.post("/accounts/sign-in/", {"username": user.username, "password": password})
    second = browser.post("/accounts/two-factor/", {"otp_token": mfa.current_code(user) or ""})
    if first.status_code != 302 or second.status_code != 302:
        raise SystemExit(f"sign-in of {user.username}: {first.status_code}, {second.status_code}")
    return browser


# --- Measuring -----------------------------------------------------------------------------


def single_user(browser: Browser, page: Page, count: int) -> tuple[list[float], list[int]]:
    """Page times (ms, client side) and SQL statements per request, after two warm-ups."""
    from served import QUERIES_HEADER

    times, queries = [], []
    token = browser.token(page.paths[0]) if page.queries else None
    for number in range(count + 2):
        path = page.paths[number % len(page.paths)]
        started = time.perf_counter()
        if page.queries:
            query = page.queries[number % len(page.queries)]
            response = browser.post(path, {"q": query}, token)
        else:
            response = browser.get(path)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{page.name}: {path} answered {response.status_code}")
        wanted = page.expect[number % len(page.expect)] if page.expect else ""
        if wanted and wanted not in response.text:
            print(f"  !! {page.name}: no {wanted!r} among the results")
        if number >= 2:
            times.append(elapsed)
            queries.append(int(response.headers[QUERIES_HEADER]))
    return times, queries


@dataclass
class Load:
    rps: float
    p50: float
    p99: float
    failed: int

    def show(self) -> str:
        failed = f", {self.failed} failed" if self.failed else ""
        return f"{self.rps:8.1f} req/s  p50 {self.p50:7.1f} ms  p99 {self.p99:7.1f} ms{failed}"


def wrk(
    args: argparse.Namespace,
    port: int,
    paths: list[str],
    headers: dict[str, str],
    bodies: list[str] | None = None,
) -> Load:
    """``wrk -t2 -c32 -d10s --latency`` going round ``paths`` (GET) or ``bodies`` (POSTed
    to the first path) with ``headers``."""
    method, bodies = ("POST", bodies) if bodies else ("GET", [""])
    lua = ["local paths = {" + ", ".join(_lua_string(p) for p in paths) + "}", "local i = 0"]
    lua += ["local bodies = {" + ", ".join(_lua_string(b) for b in bodies) + "}"]
    lua += [f"wrk.headers[{_lua_string(k)}] = {_lua_string(v)}" for k, v in headers.items()]
    lua += [
        "request = function()",
        "  i = i + 1",
        f'  return wrk.format("{method}", paths[(i - 1) % #paths + 1], nil,'
        + " bodies[(i - 1) % #bodies + 1])",
        "end",
    ]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write("\n".join(lua) + "\n")
    command = [args.wrk, f"-t{args.wrk_threads}", f"-c{args.wrk_connections}"]
    command += [f"-d{args.wrk_seconds}s", "--latency", "--timeout", "30s", "-s", script.name]
    done = subprocess.run(  # noqa: S603 (wrk against loopback)
        [*command, f"http://127.0.0.1:{port}/"],
        capture_output=True,
        text=True,
        timeout=args.wrk_seconds + 60,
        check=False,
    )
    os.unlink(script.name)
    return _parse_wrk(done.stdout)


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _parse_wrk(output: str) -> Load:
    def milliseconds(percent: str) -> float:
        found = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
        if found is None:
            return float("nan")
        scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[found.group(2)]
        return float(found.group(1)) * scale

    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    failed = sum(
        int(n)
        for n in re.findall(
            r"Non-2xx or 3xx responses: (\d+)|(?:connect|read|write|timeout) (\d+)", output
        )
        for n in n
        if n
    )
    return Load(float(rps.group(1)) if rps else 0.0, milliseconds("50"), milliseconds("99"), failed)


# --- The run -------------------------------------------------------------------------------


def _out_of_time(*_: object) -> None:
    raise SystemExit("!! out of time: stopping the servers")


def worker(args: argparse.Namespace) -> int:
    tmp = Path(os.environ["LANTERN_DATA_DIR"]).parent
    # Stop in time to stop the servers too (the parent's time-out only ends this process).
    signal.signal(signal.SIGALRM, _out_of_time)
    signal.alarm(max(60, int(args.timeout) - 45))
    production_environment(tmp)
    harness.start_worker()
    import secrets

    from django.core.management import call_command
    from django.db import connection

    call_command("collectstatic", interactive=False, verbosity=0)
    password = secrets.token_urlsafe(16)
    _clinic, clinician, officer = staff(password)
    seed(args)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"VACUUM ANALYZE: {time.perf_counter() - started:.0f} s; database {database_size()}")
    if args.verify:
        verify_trail()
    pages = pages_to_time(args)
    connection.close()
    children = start_servers(args, tmp)
    try:
        wait_for(f"http://127.0.0.1:{args.port}/accounts/sign-in/")
        wait_for(f"http://127.0.0.1:{args.port + 1}/")
        args.workers = web_workers(children[0])
        return measure(args, pages, clinician, officer, password)
    finally:
        stop_servers(children)


def web_workers(master: subprocess.Popen[bytes]) -> list[int]:
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    return [int(pid) for pid in children]


def py_spy(out: Path, pid: int, seconds: int) -> subprocess.Popen[bytes]:
    """Sample one web worker while wrk runs (``--py-spy DIR``)."""
    spy = Path(sys.executable).with_name("py-spy")
    command = [str(spy), "record", "--pid", str(pid), "--rate", "200", "--duration", str(seconds)]
    command += ["--format", "raw", "--output", str(out), "--nonblocking"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603


def where_time_goes(out: Path, top: int = 12) -> None:
    """The Lantern and Django functions most often on the sampled stacks (inclusive), and
    the innermost functions the samples were in."""
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in out.read_text().splitlines() if out.exists() else []:
        stack, _, count = line.rpartition(" ")
        frames = [_frame_name(frame) for frame in stack.split(";")]
        total += int(count)
        own[frames[-1]] += int(count)
        for frame in set(frames):
            if ("lantern/" in frame or "django/" in frame) and not WRAPPERS.search(frame):
                inclusive[frame] += int(count)
    print(f"    py-spy: {total} samples of one worker; most often on the stack (inclusive):")
    for frame, count in inclusive.most_common(top):
        print(f"      {100 * count / max(total, 1):5.1f}%  {frame}")
    print("    where the samples were (the innermost function):")
    for frame, count in own.most_common(8):
        print(f"      {100 * count / max(total, 1):5.1f}%  {frame}")


# Middleware, handlers and decorators are on every stack: they say nothing about a page.
WRAPPERS = re.compile(r"Middleware|__call__|get_response|inner |wrapper|decorat")


def _frame_name(frame: str) -> str:
    """``function (path/to/module.py:line)`` as ``function package/module.py:line``."""
    function, _, where = frame.partition(" (")
    parts = where.rstrip(")").split("/")
    return f"{function} {'/'.join(parts[-3:])}"


def measure(args: argparse.Namespace, pages: list[Page], clinician, officer, password) -> int:
    base = f"http://127.0.0.1:{args.port}"
    browsers = {False: sign_in(base, clinician, password), True: sign_in(base, officer, password)}
    print(f"\nsingle user, {args.pages} requests per page (client side, through gunicorn)")
    print(f"{'page':22} {'median':>9} {'p95':>9} {'max':>9} {'queries':>8}  budget")
    medians: dict[str, float] = {}
    queries: dict[str, str] = {}
    for page in pages:
        times, counts = single_user(browsers[page.officer], page, args.pages)
        medians[page.name] = median = statistics.median(times)
        queries[page.name] = (
            str(counts[0]) if len(set(counts)) == 1 else f"{min(counts)}-{max(counts)}"
        )
        budget = BUDGETS[page.name][0]
        print(
            f"{page.name:22} {median:7.1f}ms {harness.percentile(times, 0.95):7.1f}ms "
            f"{max(times):7.1f}ms {queries[page.name]:>8}  <= {budget} ms: "
            + ("met" if median <= budget else "NOT MET")
        )
    print(
        f"\nwrk -t{args.wrk_threads} -c{args.wrk_connections} -d{args.wrk_seconds}s, "
        "the floor and each page in turn"
    )
    shares: dict[str, float] = {}
    for page in pages:
        browser = browsers[page.officer]
        headers, bodies = browser.headers, None
        if page.queries:
            from urllib.parse import urlencode

            token = browser.token(page.paths[0])
            headers = browser.form_headers(page.paths[0])
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            bodies = [urlencode({"q": q, "csrfmiddlewaretoken": token}) for q in page.queries]
        floor = wrk(args, args.port + 1, ["/"], headers)
        spy = None
        if args.py_spy:
            out = Path(args.py_spy) / (re.sub(r"\W+", "-", page.name) + ".txt")
            spy = py_spy(out, args.workers[0], max(1, args.wrk_seconds - 1))
        load = wrk(args, args.port, page.paths, headers, bodies)
        drain(f"http://127.0.0.1:{args.port}/accounts/sign-in/")
        shares[page.name] = share = load.rps / floor.rps if floor.rps else 0.0
        target = BUDGETS[page.name][1]
        verdict = (
            ""
            if target is None
            else f" (>= {target:.0%}: {'met' if share >= target else 'NOT MET'})"
        )
        print(f"  floor                 {floor.show()}")
        print(f"  {page.name:21} {load.show()}  {share:6.1%} of the floor{verdict}")
        if spy is not None:
            spy.wait(timeout=60)
            where_time_goes(out)
    print("\n" + summary(args, medians, shares, queries))
    return 0


def summary(args: argparse.Namespace, medians, shares, queries) -> str:
    met = total = 0
    parts = []
    for name, (budget, target) in BUDGETS.items():
        total += 1 + (target is not None)
        met += medians[name] <= budget
        text = f"{name} {medians[name]:.1f}ms/{queries[name]}q"
        if target is not None:
            met += shares[name] >= target
            text += f" {shares[name]:.1%}"
        parts.append(text)
    size = (
        f"{args.patients:,} patients, {args.visits:,} visits, {args.screenings:,} screenings, "
        f"{args.activities:,} activities, {args.audit_entries:,} audit entries"
    )
    return f"pages: {size} | " + " | ".join(parts) + f" | budgets met {met}/{total}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--visits", type=int, default=1_000_000)
    parser.add_argument("--screenings", type=int, default=1_000_000)
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--audit-entries", type=int, default=10_000_000)
    parser.add_argument("--pages", type=int, default=30, help="timed requests per page")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--port", type=int, default=18100, help="Lantern's; the floor's is next")
    parser.add_argument("--wrk", default="/usr/bin/wrk")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--wrk-connections", type=int, default=32)
    parser.add_argument("--wrk-seconds", type=int, default=10)
    parser.add_argument("--verify", action="store_true", help="lantern audit verify after seeding")
    parser.add_argument("--py-spy", metavar="DIR", help="sample a web worker under wrk into DIR")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("LANTERN_BENCH_POSTGRES_URL", harness.DEFAULT_POSTGRES_URL),
    )
    parser.add_argument("--postgres-db", default="lantern_pages_bench")
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)
    if not Path(args.wrk).exists():
        raise SystemExit(f"{args.wrk} not found: apt-get install -y wrk, or give --wrk")
    passed = [
        f"--{name.replace('_', '-')}={getattr(args, name)}"
        for name in (
            "patients",
            "visits",
            "screenings",
            "activities",
            "audit_entries",
            "pages",
            "seed",
            "port",
            "wrk",
            "wrk_threads",
            "wrk_connections",
            "wrk_seconds",
            "timeout",
        )
    ] + (["--verify"] if args.verify else [])
    if args.py_spy:
        Path(args.py_spy).mkdir(parents=True, exist_ok=True)
        passed.append(f"--py-spy={Path(args.py_spy).resolve()}")

    def run(database: str, url: str, tmp: Path) -> int:
        return harness.run_worker(__file__, passed, database, url, tmp, args.timeout)

    return harness.run_selected("postgres", run, args.postgres_url, args.postgres_db, PREFIX)


if __name__ == "__main__":
    raise SystemExit(main())
