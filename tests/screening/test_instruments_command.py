"""``lantern instruments``: list, export, score and check, as clinical leads run them.

Anything that cannot be scored exits with status 2 and names every offending linkId on
stderr; an unknown instrument exits 2 and lists the known ones.
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
from fhir.resources.R4B.questionnaire import Questionnaire

from lantern.screening.instruments import DATA_DIR

ROOT = Path(__file__).resolve().parents[2]
PHQ9_TEN = {f"phq9-{n}": value for n, value in enumerate([3, 3, 2, 2, 0, 0, 0, 0, 0], start=1)}


def run(*args: str, stdin: str = "") -> str:
    out = StringIO()
    old_stdin = sys.stdin
    sys.stdin = StringIO(stdin)
    try:
        call_command("instruments", *args, stdout=out)
    finally:
        sys.stdin = old_stdin
    return out.getvalue()


def answers_file(tmp_path: Path, answers: object) -> str:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers), encoding="utf-8")
    return str(path)


def lantern(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LANTERN_", "DJANGO_"))}
    env["DJANGO_SETTINGS_MODULE"] = "lantern.test_settings"
    return subprocess.run(
        [sys.executable, "-m", "lantern.cli", "instruments", *args],
        input=stdin,
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_list_shows_id_version_title_languages_and_licence():
    output = run("list")
    phq9 = output[output.index("phq-9") :]
    assert "1.0.0" in phq9
    assert "Patient Health Questionnaire (PHQ-9)" in phq9
    assert "languages en,es" in phq9
    assert "licence: Pfizer: free, no permission needed" in phq9
    assert "Indicator checklist (decision support)" in output
    assert output.count("languages en,es") == 7


def test_export_prints_a_valid_questionnaire():
    resource = json.loads(run("export", "pc-ptsd-5"))
    Questionnaire.model_validate(resource)
    assert resource["url"] == "https://lantern.example/fhir/Questionnaire/pc-ptsd-5"


def test_export_in_spanish_with_the_clinics_base_url():
    resource = json.loads(
        run("export", "asq", "--language", "es", "--base-url", "https://fhir.example.org")
    )
    assert resource["url"] == "https://fhir.example.org/Questionnaire/asq-es"
    assert resource["item"][0]["text"].startswith("En las últimas semanas")


def test_export_refuses_a_language_the_instrument_lacks():
    with pytest.raises(CommandError, match="no language 'fr'") as refused:
        run("export", "asq", "--language", "fr")
    assert refused.value.returncode == 2


def test_score_from_a_file(tmp_path):
    result = json.loads(run("score", "phq-9", "--answers", answers_file(tmp_path, PHQ9_TEN)))
    assert result["instrument"] == "phq-9"
    assert result["version"] == "1.0.0"
    assert (result["total"], result["positive"], result["band"]["code"]) == (10, True, "moderate")
    assert result["flags"] == []


def test_score_from_stdin_with_codes_and_a_threshold():
    answers = {
        "ptsd-exposure": "yes",
        "ptsd-1": "yes",
        "ptsd-2": "yes",
        "ptsd-3": "yes",
        "ptsd-4": "no",
        "ptsd-5": "no",
    }
    default = json.loads(run("score", "pc-ptsd-5", "--answers", "-", stdin=json.dumps(answers)))
    stricter = json.loads(
        run("score", "pc-ptsd-5", "--answers", "-", "--threshold", "4", stdin=json.dumps(answers))
    )
    assert (default["total"], default["threshold"], default["positive"]) == (3, 3, True)
    assert (stricter["threshold"], stricter["positive"]) == (4, False)


def test_score_shows_flags(tmp_path):
    answers = {"asq-1": "yes", "asq-2": "no", "asq-3": "no", "asq-4": "no", "asq-5": "yes"}
    result = json.loads(run("score", "asq", "--answers", answers_file(tmp_path, answers)))
    assert result["band"]["code"] == "acute_positive"
    assert [(f["code"], f["severity"]) for f in result["flags"]] == [
        ("imminent_suicide_risk", "imminent")
    ]


def test_score_refusal_names_each_linkid(tmp_path):
    answers = {"phq9-1": 3, "phq9-2": 7, "phq9-3": "often", "phq9-10": 1}
    with pytest.raises(CommandError) as refused:
        run("score", "phq-9", "--answers", answers_file(tmp_path, answers))
    message = str(refused.value)
    assert refused.value.returncode == 2
    for link_id in ("phq9-2", "phq9-3", "phq9-10", *[f"phq9-{n}" for n in range(4, 10)]):
        assert f"  {link_id}: " in message
    assert "phq9-1:" not in message


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[1, 2]", "answers must be a JSON object"),
        ("{not json", "not valid JSON"),
    ],
)
def test_score_refuses_malformed_answer_files(tmp_path, content, message):
    path = tmp_path / "answers.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        run("score", "phq-2", "--answers", str(path))


def test_score_refuses_a_missing_answer_file(tmp_path):
    with pytest.raises(CommandError, match="cannot read answers"):
        run("score", "phq-2", "--answers", str(tmp_path / "absent.json"))


def test_score_refuses_a_threshold_the_instrument_does_not_allow(tmp_path):
    with pytest.raises(CommandError, match=r"threshold 5 is not allowed \(allowed: 3, 4\)"):
        run(
            "score",
            "pc-ptsd-5",
            "--answers",
            answers_file(tmp_path, {"ptsd-exposure": "no"}),
            "--threshold",
            "5",
        )


def test_unknown_instrument_lists_the_known_ones(tmp_path):
    with pytest.raises(CommandError) as refused:
        run("score", "c-ssrs", "--answers", answers_file(tmp_path, {}))
    assert refused.value.returncode == 2
    assert "unknown instrument 'c-ssrs'" in str(refused.value)
    assert "asq, gad-2, gad-7, lantern-indicators, pc-ptsd-5, phq-2, phq-9" in str(refused.value)


def test_check_accepts_good_files_and_names_the_broken(tmp_path):
    broken = json.loads((DATA_DIR / "gad-7.json").read_text(encoding="utf-8"))
    broken["bands"][2]["min"] = 11
    path = tmp_path / "gad-7-clinic.json"
    path.write_text(json.dumps(broken), encoding="utf-8")
    assert run("check", str(DATA_DIR / "asq.json")) == "asq.json: ok (asq 1.1.0)\n"
    with pytest.raises(CommandError, match=r"gad-7-clinic\.json") as refused:
        run("check", str(DATA_DIR / "asq.json"), str(path))
    assert "gap: no band covers totals 10-10" in str(refused.value)


# --- The real command line: exit status and streams -------------------------------------------


def test_command_line_scores_from_stdin_with_status_0():
    completed = lantern("score", "phq-9", "--answers", "-", stdin=json.dumps(PHQ9_TEN))
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["total"] == 10


def test_command_line_refusal_exits_2_naming_each_linkid_on_stderr():
    answers = {"phq9-1": 4, "phq9-2": 1, "extra": "x"}
    completed = lantern("score", "phq-9", "--answers", "-", stdin=json.dumps(answers))
    assert completed.returncode == 2
    assert completed.stdout == ""
    for link_id in ("phq9-1", "extra", *[f"phq9-{n}" for n in range(3, 10)]):
        assert f"{link_id}: " in completed.stderr
    assert "Traceback" not in completed.stderr


def test_command_line_unknown_instrument_exits_2_with_the_known_ids():
    completed = lantern("export", "raft")
    assert completed.returncode == 2
    assert "unknown instrument 'raft'" in completed.stderr
    assert "phq-9" in completed.stderr
