"""``lantern protocols``: list, check and plan, as clinical leads and operators run them.

Bad facts or files exit with status 2 and name every problem on stderr; an unknown protocol
exits 2 and lists the known ones.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from lantern.careplans.protocols import DATA_DIR
from tests.careplans.builders import json_facts

ROOT = Path(__file__).resolve().parents[2]
ACTIVITY_KEYS = ["code", "title", "earliest", "due", "latest", "urgent", "rationale", "source"]


def run(*args: str, stdin: str = "") -> str:
    out = StringIO()
    old_stdin = sys.stdin
    sys.stdin = StringIO(stdin)
    try:
        call_command("protocols", *args, stdout=out)
    finally:
        sys.stdin = old_stdin
    return out.getvalue()


def write(tmp_path: Path, name: str, data: object) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def lantern(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LANTERN_", "DJANGO_"))}
    env["DJANGO_SETTINGS_MODULE"] = "lantern.test_settings"
    return subprocess.run(
        [sys.executable, "-m", "lantern.cli", "protocols", *args],
        input=stdin,
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_list_shows_id_version_title_and_review_status():
    output = run("list")
    assert output.startswith("sa-followup-v1       1.1.0   Follow-up care after a sexual exposure")
    assert "29 rules, 41 activities, 35 sources; review: needs_clinical_review" in output
    assert "28 note(s) for clinical review" in output


def test_plan_prints_the_protocol_version_and_dated_activities(tmp_path):
    facts = write(tmp_path, "facts.json", json_facts())
    output = json.loads(run("plan", "sa-followup-v1", "--facts", facts))
    assert list(output) == ["protocol", "version", "activities"]
    assert (output["protocol"], output["version"]) == ("sa-followup-v1", "1.1.0")
    assert all(list(activity) == ACTIVITY_KEYS for activity in output["activities"])
    npep = next(a for a in output["activities"] if a["code"] == "hiv-npep")
    assert npep == {
        "code": "hiv-npep",
        "title": "Start HIV nPEP",
        "earliest": "2026-03-09T10:00:00-04:00",
        "due": "2026-03-09T22:00:00-04:00",
        "latest": "2026-03-11T22:00:00-04:00",
        "urgent": True,
        "rationale": npep["rationale"],
        "source": "a1",
    }
    assert npep["rationale"].startswith("Start nPEP as soon as possible")


def test_plan_reads_facts_from_stdin():
    facts = json_facts() | {"exposure_at": None, "sex_at_birth": "male"}
    output = json.loads(run("plan", "sa-followup-v1", "--facts", "-", stdin=json.dumps(facts)))
    codes = [a["code"] for a in output["activities"]]
    assert "hiv-npep" in codes
    assert "emergency-contraception" not in codes


def test_plan_dry_runs_a_protocol_file(tmp_path):
    data = json.loads((DATA_DIR / "sa-followup-v1.json").read_text(encoding="utf-8"))
    data["id"], data["version"] = "riverside-followup", "0.1.0"
    data["rules"] = [rule for rule in data["rules"] if rule["id"] == "annual-physical"]
    protocol = write(tmp_path, "riverside.json", data)
    facts = write(tmp_path, "facts.json", json_facts())
    output = json.loads(run("plan", protocol, "--facts", facts))
    assert (output["protocol"], output["version"]) == ("riverside-followup", "0.1.0")
    assert [a["code"] for a in output["activities"]] == ["annual-physical"]


def test_bad_facts_exit_2_naming_each_problem():
    facts = json_facts() | {"sex_at_birth": "male", "pregnant": True, "mood": "ok"}
    facts["exposure_at"] = "2026-03-10T00:00:00-04:00"
    result = lantern("plan", "sa-followup-v1", "--facts", "-", stdin=json.dumps(facts))
    assert result.returncode == 2
    assert result.stdout == ""
    assert "facts refused:" in result.stderr
    for line in (
        "  mood: unknown fact",
        "  pregnant: is true but sex_at_birth is male",
        "  exposure_at: is after assessed_at: the exposure cannot follow the assessment",
    ):
        assert line in result.stderr.splitlines()


@pytest.mark.parametrize(
    ("stdin", "message"),
    [("{", "facts in - refused: not valid UTF-8 JSON"), ("[]", "facts: must be a JSON object")],
)
def test_unreadable_facts(stdin, message):
    with pytest.raises(CommandError) as error:
        run("plan", "sa-followup-v1", "--facts", "-", stdin=stdin)
    assert error.value.returncode == 2
    assert message in str(error.value)


def test_facts_file_that_does_not_exist(tmp_path):
    with pytest.raises(CommandError) as error:
        run("plan", "sa-followup-v1", "--facts", str(tmp_path / "none.json"))
    assert "cannot read facts from" in str(error.value)


def test_unknown_protocol_lists_the_known_ones():
    with pytest.raises(CommandError) as error:
        run("plan", "sa-followup-v9", "--facts", "-", stdin=json.dumps(json_facts()))
    assert error.value.returncode == 2
    assert "unknown protocol 'sa-followup-v9' (known: sa-followup-v1" in str(error.value)


def test_check_accepts_the_shipped_file():
    assert run("check", str(DATA_DIR / "sa-followup-v1.json")) == (
        "sa-followup-v1.json: ok (sa-followup-v1 1.1.0)\n"
    )


def test_check_refuses_with_file_rule_and_reason(tmp_path):
    data = json.loads((DATA_DIR / "sa-followup-v1.json").read_text(encoding="utf-8"))
    npep = data["rules"][0]["activities"][0]
    npep["latest"] = "12h"
    npep["source"] = "z1"
    broken = write(tmp_path, "broken.json", data)
    good = str(DATA_DIR / "sa-followup-v1.json")
    result = lantern("check", good, broken)
    assert result.returncode == 2
    assert "sa-followup-v1.json: ok" in result.stdout
    assert "broken.json: protocol refused:" in result.stderr
    assert "rule npep, activity hiv-npep: unknown source 'z1'" in result.stderr
    assert (
        "rule npep, activity hiv-npep: window out of order: due 24h can fall after latest 12h"
        in (result.stderr)
    )


def test_plan_with_a_broken_protocol_file_exits_2(tmp_path):
    broken = write(tmp_path, "broken.json", {"format": "lantern-protocol/1"})
    with pytest.raises(CommandError) as error:
        run("plan", broken, "--facts", "-", stdin=json.dumps(json_facts()))
    assert error.value.returncode == 2
    assert "broken.json: protocol refused:" in str(error.value)
