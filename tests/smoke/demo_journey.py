"""Smoke journey against a running Lantern demo server, in headless Chromium.

    python tests/smoke/demo_journey.py --base-url http://127.0.0.1:8000 \
        --username demo.clinician --password '...' \
        --code-command 'make totp USER=demo.clinician' [--screenshots DIR]

Signs in (password, then the second-factor code that ``--code-command`` prints),
registers a fictional patient with a street name that carries a random suffix (so
reruns never collide; if Lantern warns of a possible duplicate, the confirmation box is
ticked), searches with that street name misspelled, and checks the new patient is found.
Prints one summary line; exits 1 with the failing step on any failure.

The password may also be given in LANTERN_SMOKE_PASSWORD, which keeps it out of the
process list. The file is not named ``test_*`` so pytest never collects it.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shlex
import string
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Response, expect, sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 15_000


class SmokeFailure(Exception):
    """A step failed; the message says what a person would have seen go wrong."""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", required=True, help="e.g. http://127.0.0.1:8000")
    parser.add_argument("--username", required=True, help="a clinician, e.g. demo.clinician")
    parser.add_argument(
        "--password",
        default=os.environ.get("LANTERN_SMOKE_PASSWORD"),
        help="the user's password (default: $LANTERN_SMOKE_PASSWORD)",
    )
    parser.add_argument(
        "--code-command",
        required=True,
        help="shell command printing the user's current 6-digit code (demo: make totp USER=...)",
    )
    parser.add_argument("--screenshots", type=Path, help="save a PNG of each page here")
    parser.add_argument(
        "--chromium",
        default=os.environ.get("LANTERN_CHROMIUM", "/usr/bin/chromium"),
        help="Chromium executable (default: $LANTERN_CHROMIUM or /usr/bin/chromium)",
    )
    args = parser.parse_args(argv)
    if not args.password:
        parser.error("give --password or set LANTERN_SMOKE_PASSWORD")
    if urlsplit(args.base_url).scheme not in {"http", "https"}:
        parser.error("--base-url must start with http:// or https://")
    args.base_url = args.base_url.rstrip("/")
    return args


def street_name() -> str:
    """A one-word street name with a random tail; letters only (digits read as record numbers)."""
    tail = "".join(secrets.choice(string.ascii_lowercase) for _ in range(6))
    return f"Lucero{tail}"


def misspell(name: str) -> str:
    """The name with one letter of its random tail left out, as a hurried typist might."""
    position = len(name) - 3
    return name[:position] + name[position + 1 :]


class Journey:
    def __init__(self, page: Page, base_url: str, screenshots: Path | None) -> None:
        self.page = page
        self.base_url = base_url
        self.screenshots = screenshots
        self.step = "start"
        self.shots = 0
        self.server_errors: list[str] = []
        page.on("response", self._watch)

    def _watch(self, response: Response) -> None:
        if response.status >= 500:
            self.server_errors.append(f"{response.status} {urlsplit(response.url).path}")

    def run(self, step: str, action: Callable[[], None]) -> None:
        self.step = step
        action()
        if self.server_errors:
            raise SmokeFailure(f"the server answered with an error: {self.server_errors}")
        self.snapshot(step)

    def snapshot(self, label: str) -> None:
        if self.screenshots is None or self.page.is_closed():
            return
        self.shots += 1
        slug = "".join(c if c.isalnum() else "-" for c in label.lower()).strip("-")
        self.page.screenshot(path=self.screenshots / f"{self.shots:02d}-{slug}.png", full_page=True)


def current_code(command: str) -> str:
    """Run the code command; its last line of output must be the 6-digit code."""
    result = subprocess.run(
        shlex.split(command), capture_output=True, text=True, timeout=60, check=False
    )
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines or not lines[-1].strip().isdigit():
        raise SmokeFailure(f"--code-command printed no code: {result.stderr.strip()[:200]}")
    return lines[-1].strip()


def sign_in(page: Page, base_url: str, username: str, password: str, code_command: str) -> None:
    try:
        page.goto(base_url + "/")
    except PlaywrightError as error:
        raise SmokeFailure(f"cannot open {base_url}/: {error.message.splitlines()[0]}") from None
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    refused = page.get_by_text("did not match")
    code_page = page.get_by_role("heading", name="Enter your code", level=1)
    expect(refused.or_(code_page)).to_be_visible()
    if refused.is_visible():
        raise SmokeFailure(f"sign-in refused for {username!r}: check the username and password")
    page.get_by_label("Code").fill(current_code(code_command))
    page.get_by_role("button", name="Continue").click()
    signed_in = page.get_by_role("button", name="Sign out")
    wrong_code = page.get_by_text("was not right")
    expect(wrong_code.or_(signed_in)).to_be_visible()
    if wrong_code.is_visible():
        raise SmokeFailure(f"the second-factor code for {username!r} was refused")
    if not page.get_by_role("link", name="Register a patient").is_visible():
        raise SmokeFailure(f"{username!r} signed in but cannot register patients (not care staff)")


def register(page: Page, alias: str) -> tuple[str, bool]:
    """Register a fictional patient; return the path of their page and whether Lantern
    first warned of a possible duplicate."""
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Register a patient"
    ).click()
    expect(page.get_by_role("heading", name="Register a patient", level=1)).to_be_visible()
    page.get_by_label("Preferred name").fill("Alba Smoke")
    page.get_by_role("radio", name="Exact date known").check()
    page.get_by_role("textbox", name="Exact date of birth").fill("1994-05-20")
    page.get_by_label("Preferred language").select_option(label="English")
    first_alias = page.get_by_role("group", name="Alias 1")
    first_alias.get_by_label("Alias").fill(alias)
    first_alias.get_by_label("Kind of name").select_option(label="Street or working name")
    page.get_by_role("button", name="Register patient").click()

    registered = page.get_by_role("status").filter(has_text="Patient registered.")
    warning = page.get_by_role("heading", name="This patient may already be registered")
    expect(registered.or_(warning)).to_be_visible()
    warned = warning.is_visible()
    if warned:
        # Earlier smoke runs left look-alikes behind; this one is a new person.
        page.get_by_role(
            "checkbox", name="None of these is the same person: register a new patient"
        ).check()
        page.get_by_role("button", name="Register patient").click()
    expect(registered).to_be_visible()
    expect(page.get_by_role("heading", name="Alba Smoke", level=1)).to_be_visible()
    expect(page.get_by_role("region", name="Identity")).to_contain_text(alias)
    return urlsplit(page.url).path, warned


def find(page: Page, query: str, patient_path: str) -> int:
    """Search for ``query``; return how many patients were listed. Fails if ours is not."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Find a patient").click()
    finder = page.get_by_role("search")
    finder.get_by_role("textbox").fill(query)
    with page.expect_response(lambda response: response.request.method == "POST"):
        finder.get_by_role("button", name="Search", exact=True).click()
    results = page.get_by_role("table")
    no_match = page.get_by_text("No patient on your care teams matches this search.")
    expect(results.or_(no_match)).to_be_visible()
    ours = results.locator(f'a[href="{patient_path}"]')
    if no_match.is_visible() or ours.count() == 0:
        raise SmokeFailure(f"searching {query!r} did not list the patient just registered")
    return results.locator("tbody tr").count()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.screenshots is not None:
        args.screenshots.mkdir(parents=True, exist_ok=True)
    alias = street_name()
    query = misspell(alias)
    started = time.monotonic()
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(
                executable_path=args.chromium, headless=True, args=CHROMIUM_ARGS
            )
        except PlaywrightError as error:
            sys.stderr.write(f"SMOKE FAILED: cannot start Chromium ({args.chromium}): {error}\n")
            return 1
        context = browser.new_context(locale="en-US")
        context.set_default_timeout(TIMEOUT_MS)
        expect.set_options(timeout=TIMEOUT_MS)
        page = context.new_page()
        journey = Journey(page, args.base_url, args.screenshots)
        found = 0
        patient_path = ""
        warned = False
        try:
            journey.run(
                "sign in",
                lambda: sign_in(
                    page, args.base_url, args.username, args.password, args.code_command
                ),
            )

            def register_step() -> None:
                nonlocal patient_path, warned
                patient_path, warned = register(page, alias)

            def find_step() -> None:
                nonlocal found
                found = find(page, query, patient_path)

            journey.run("register patient", register_step)
            journey.run("search misspelled alias", find_step)
        except (SmokeFailure, AssertionError, PlaywrightError) as error:
            journey.snapshot(f"failed-{journey.step}")
            message = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
            sys.stderr.write(f"SMOKE FAILED at step '{journey.step}': {message}\n")
            sys.stderr.write(f"  page: {page.url}\n")
            return 1
        finally:
            browser.close()
    seconds = time.monotonic() - started
    confirmed = " (confirmed past the duplicate warning)" if warned else ""
    sys.stdout.write(
        f"SMOKE OK: {args.username} signed in at {args.base_url}, registered {patient_path}"
        f"{confirmed} with street name {alias!r}, found by {query!r} among {found} result(s) "
        f"in {seconds:.1f}s\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
