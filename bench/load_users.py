"""The locust users of ``load.py``: clinicians who sign in through the forms and then search,
open charts, visits and screening results, and add care-plan activities.

Run by ``load.py`` (``locust -f bench/load_users.py --headless ...``), which hands over the
accounts and patients in ``LOAD_BENCH_DATA`` and reads every request's time back from
``LOAD_BENCH_OUT`` when locust quits.
"""

from __future__ import annotations

import datetime
import json
import os
import random
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from locust import HttpUser, between, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent))
import live

DATA = json.loads(Path(os.environ["LOAD_BENCH_DATA"]).read_text())
ACCOUNTS = iter(live.staff_from(DATA))
PATIENTS = DATA["patients"]
THINK = [float(part) for part in os.environ.get("LOAD_BENCH_THINK", "1,5").split(",")]
SIGN_IN = ("sign-in: password", "sign-in: code")

times: dict[str, list[float]] = defaultdict(list)
errors: dict[str, int] = defaultdict(int)
writes = {"sent": 0, "acknowledged": 0}


@events.request.add_listener
def _record(name: str, response_time: float, exception: Any, **_: Any) -> None:
    if exception is not None:
        errors[name] += 1
    times[name].append(response_time)


@events.quitting.add_listener
def _write_out(**_: Any) -> None:
    out = {"times": times, "errors": errors, "writes": writes}
    Path(os.environ["LOAD_BENCH_OUT"]).write_text(json.dumps(out))


class Clinician(HttpUser):
    wait_time = between(*THINK)

    def on_start(self) -> None:
        self.staff = next(ACCOUNTS)  # one account each: load.py makes one per user
        self.rng = random.Random(self.staff.username)
        live.prepare_session(self.client, self.host)
        page = self.client.get("/accounts/sign-in/", name="sign-in page")
        answer = self.client.post(
            "/accounts/sign-in/",
            data={
                "username": self.staff.username,
                "password": self.staff.password,
                "csrfmiddlewaretoken": live.csrf_token(page.text),
            },
            name=SIGN_IN[0],
        )
        done = self.client.post(
            answer.url,
            data={
                "otp_token": live.totp(self.staff.totp_key),
                "csrfmiddlewaretoken": live.csrf_token(answer.text),
            },
            name=SIGN_IN[1],
        )
        if "/accounts/two-factor/" in done.url:
            raise RuntimeError(f"{self.staff.username} was not signed in")
        self.csrf = live.csrf_token(self.client.get("/patients/", name="search page").text)
        self.n = 0

    def _page(self, url: str, name: str) -> None:
        with self.client.get(url, name=name, catch_response=True, allow_redirects=False) as r:
            if r.status_code != 200:
                r.failure(f"status {r.status_code}")

    def _patient(self) -> dict[str, Any]:
        return PATIENTS[self.rng.randrange(len(PATIENTS))]

    @task(3)
    def search(self) -> None:
        words = self._patient()["name"].split()
        query = " ".join(reversed(words)) if self.rng.random() < 0.3 else " ".join(words)
        with self.client.post(
            "/patients/",
            data={"q": query, "csrfmiddlewaretoken": self.csrf},
            name="search",
            catch_response=True,
            allow_redirects=False,
        ) as r:
            if r.status_code != 200:
                r.failure(f"status {r.status_code}")

    @task(3)
    def chart(self) -> None:
        self._page(f"/patients/{self._patient()['patient']}/", "chart")

    @task(2)
    def visit(self) -> None:
        row = self._patient()
        self._page(f"/patients/{row['patient']}/visits/{row['visit']}/", "visit")

    @task(2)
    def screening(self) -> None:
        row = self._patient()
        self._page(f"/patients/{row['patient']}/screening/{row['session']}/", "screening")

    @task(1)
    def write(self) -> None:
        """Add a care-plan activity through the form, then land on the plan as a browser does."""
        patient = self._patient()["patient"]
        marker = f"load-{self.staff.username}-{self.n}"
        self.n += 1
        writes["sent"] += 1
        due = datetime.date.today() + datetime.timedelta(days=self.rng.randint(1, 60))
        with self.client.post(
            f"/patients/{patient}/care-plan/activities/",
            data={
                "csrfmiddlewaretoken": self.csrf,
                "kind": "other",
                "title": marker,
                "due": f"{due.isoformat()}T09:00",
                "owner": "",
                "rationale": "",
            },
            name="write: add activity",
            catch_response=True,
            allow_redirects=False,
        ) as r:
            if r.status_code != 302:
                r.failure(f"status {r.status_code}")
                return
            writes["acknowledged"] += 1
        self._page(f"/patients/{patient}/care-plan/", "care plan")
