"""``lantern serve`` in a real subprocess: dead children come back, pages keep answering, and
no path a person typed reaches any log."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NAME_IN_PATH = "Quetzalli-Brightwater"
# Every wait in this file is bounded; the whole test takes about half a minute.
WAIT = 60.0

pytestmark = pytest.mark.xdist_group("serve")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment(data_dir: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("LANTERN_", "DJANGO_", "DATABASE_URL"))
    }
    env.update({"LANTERN_MODE": "demo", "LANTERN_DATA_DIR": str(data_dir)})
    return env


def status_of(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback only)
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except OSError:
        return None


def wait_for(condition, what: str, timeout: float = WAIT):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def started_pids(log: Path, name: str) -> list[int]:
    return [int(pid) for pid in re.findall(rf"{name} started \(pid (\d+)\)", log.read_text())]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A killed child stays a zombie until the supervisor reaps it.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(") ", 1)[-1][:1] != "Z"


@pytest.fixture
def served(tmp_path):  # type: ignore[no-untyped-def]
    env = environment(tmp_path / "var")
    for command in (["migrate"], ["collectstatic"]):
        subprocess.run(
            [sys.executable, "-m", "lantern.cli", *command, "--no-input", "-v", "0"],
            env=env,
            cwd=ROOT,
            check=True,
            # Generous: migrating a fresh database is slow on a busy machine.
            timeout=600,
        )
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "lantern.cli", "serve", "--port", str(port), "--workers", "1"],
            env=env,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: status_of(f"{base}/accounts/sign-in/") == 200, "the sign-in page")
        yield server, base, log
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def test_a_killed_task_worker_is_restarted_while_pages_keep_answering(served):
    server, base, log = served
    [worker] = started_pids(log, "task worker")
    os.kill(worker, signal.SIGKILL)
    answers = []
    deadline = time.monotonic() + WAIT
    while len(started_pids(log, "task worker")) < 2 and time.monotonic() < deadline:
        answers.append(status_of(f"{base}/accounts/sign-in/"))
        time.sleep(0.1)
    restarted = started_pids(log, "task worker")
    assert len(restarted) == 2, log.read_text()
    assert answers, "the web server was not asked anything while the worker was down"
    assert set(answers) == {200}, answers
    assert not alive(worker)
    wait_for(lambda: alive(restarted[-1]), "the new task worker")
    assert server.poll() is None


def test_a_killed_web_server_is_restarted_and_answers_again(served):
    server, base, log = served
    [master] = started_pids(log, "web server")
    [worker] = started_pids(log, "task worker")
    os.kill(master, signal.SIGKILL)
    wait_for(lambda: len(started_pids(log, "web server")) == 2, "a new web server")
    wait_for(lambda: status_of(f"{base}/accounts/sign-in/") == 200, "pages again")
    # The task worker was left alone, and the killed master's own workers are gone.
    assert started_pids(log, "task worker") == [worker]
    assert alive(worker)
    assert "stopped (exit -9)" in log.read_text()
    server.send_signal(signal.SIGTERM)
    assert server.wait(timeout=30) == 0
    assert not alive(worker)


def test_no_path_reaches_the_access_log_or_the_request_log(served):
    server, base, log = served
    assert status_of(f"{base}/no/such/page/{NAME_IN_PATH}/") == 404
    assert status_of(f"{base}/accounts/sign-in/?next=/{NAME_IN_PATH}/") == 200
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)
    text = log.read_text()
    assert NAME_IN_PATH.lower() not in text.lower(), text
    assert re.search(r'"GET unmatched" 404', text), text
    assert re.search(r'"GET accounts:login" 200', text), text
    assert "404 Not Found GET unmatched" in text


def lantern(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "lantern.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.stdout + done.stderr


def test_a_killed_audit_sealer_is_restarted_and_seals_new_entries(served, tmp_path):
    server, _base, log = served
    [sealer] = started_pids(log, "audit sealer")
    os.kill(sealer, signal.SIGKILL)
    wait_for(lambda: len(started_pids(log, "audit sealer")) == 2, "a new audit sealer")
    env = environment(tmp_path / "var")
    lantern(
        env,
        "shell",
        "-c",
        "from lantern.audit.services import audit_record; from lantern.audit.models import "
        "Action; audit_record(action=Action.READ, detail='after the restart')",
    )
    wait_for(
        lambda: "1 entries verified, chain intact" in lantern(env, "audit", "verify"),
        "the new entry to be sealed",
    )
    checkpoints = tmp_path / "var" / "audit-checkpoints.log"
    assert checkpoints.stat().st_mode & 0o777 == 0o600
    assert server.poll() is None


def test_each_machine_runs_only_its_share(tmp_path):
    """``--no-web``: the task worker and the sealer only; entries are sealed, no page is served."""
    env = environment(tmp_path / "var")
    subprocess.run(
        [sys.executable, "-m", "lantern.cli", "migrate", "--no-input", "-v", "0"],
        env=env,
        cwd=ROOT,
        check=True,
        timeout=600,
    )
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "lantern.cli", "serve", "--port", str(port), "--no-web"],
            env=env,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: started_pids(log, "audit sealer"), "the audit sealer")
        lantern(
            env,
            "shell",
            "-c",
            "from lantern.audit.services import audit_record; from lantern.audit.models import "
            "Action; audit_record(action=Action.READ, detail='on the worker machine')",
        )
        wait_for(
            lambda: "1 entries verified, chain intact" in lantern(env, "audit", "verify"),
            "the entry to be sealed",
        )
        assert started_pids(log, "task worker")
        assert not started_pids(log, "web server")
        assert "running without a web server" in log.read_text()
        assert status_of(f"http://127.0.0.1:{port}/accounts/sign-in/") is None
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0


def test_web_machines_run_no_worker_and_no_sealer_and_nothing_at_all_is_refused(tmp_path):
    env = environment(tmp_path / "var")
    nothing = lantern(env, "serve", "--no-web", "--no-worker", "--no-sealer")
    assert "leave nothing to run" in nothing
    from lantern.core.management.commands.serve import Command

    options = {"host": "127.0.0.1", "port": 8000, "workers": 2, "no_web": False}
    chosen = Command.children({**options, "no_worker": True, "no_sealer": True})
    assert [child.name for child in chosen] == ["web server"]
    everything = Command.children({**options, "no_worker": False, "no_sealer": False})
    assert [child.name for child in everything] == ["web server", "task worker", "audit sealer"]


def test_nothing_is_left_running_when_the_supervisor_is_killed(served):
    server, base, log = served
    children = [started_pids(log, name)[-1] for name in ("web server", "task worker")]
    children.append(started_pids(log, "audit sealer")[-1])
    server.send_signal(signal.SIGKILL)  # as the out-of-memory killer would
    server.wait(timeout=30)
    try:
        # The web server, task worker and sealer stop too, instead of running on unsupervised
        # (holding the port and the old code) beside the next ``lantern serve``.
        wait_for(lambda: not any(alive(pid) for pid in children), "every child to stop")
        wait_for(lambda: status_of(f"{base}/accounts/sign-in/") is None, "the port to close")
    finally:
        for pid in children:
            if alive(pid):
                os.killpg(pid, signal.SIGKILL)
