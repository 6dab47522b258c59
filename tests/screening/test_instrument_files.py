"""Instrument files: deliberately broken copies are refused with the file, place and reason.

A clinic's reviewed copy of an instrument goes through the same checks as the shipped
files, which are checked every time they are loaded.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from lantern.screening.instruments import (
    DATA_DIR,
    InstrumentFileError,
    load_instrument_file,
    registry,
)


def shipped(name: str) -> dict:
    return json.loads((DATA_DIR / f"{name}.json").read_text(encoding="utf-8"))


def item(data: dict, link_id: str) -> dict:
    return next(entry for entry in data["items"] if entry["link_id"] == link_id)


def refused(tmp_path: Path, data: dict, name: str = "broken.json") -> InstrumentFileError:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(InstrumentFileError) as error:
        load_instrument_file(path)
    assert error.value.path == path
    assert name in str(error.value)
    return error.value


def test_every_shipped_file_loads(tmp_path):
    for path in sorted(DATA_DIR.glob("*.json")):
        assert load_instrument_file(path).id == path.stem


def test_a_copy_of_a_shipped_file_loads(tmp_path):
    path = tmp_path / "phq-9.json"
    path.write_text(json.dumps(shipped("phq-9")), encoding="utf-8")
    assert load_instrument_file(path).version == "1.0.0"


def test_duplicate_link_id(tmp_path):
    data = shipped("phq-9")
    item(data, "phq9-2")["link_id"] = "phq9-1"
    error = refused(tmp_path, data)
    assert (error.where, error.reason) == ("item phq9-1", "duplicate linkId (2 items share it)")


def test_answer_option_without_a_score_on_a_scored_item(tmp_path):
    data = shipped("phq-9")
    del data["answer_sets"]["frequency"][1]["score"]
    error = refused(tmp_path, data)
    assert error.where == "item phq9-1, option several_days"
    assert error.reason == "answer option without a score value on a scored item"
    assert len(error.problems) == 9  # every scored item uses that answer set


def test_inline_option_without_a_score(tmp_path):
    data = shipped("asq")
    entry = item(data, "asq-3")
    entry["answers"] = copy.deepcopy(data["answer_sets"]["yes_no_declined"])
    del entry["answers"][0]["score"]
    error = refused(tmp_path, data)
    assert (error.where, error.reason) == (
        "item asq-3, option yes",
        "answer option without a score value on a scored item",
    )


@pytest.mark.parametrize(
    ("band", "field", "value", "where", "reason"),
    [
        (1, "max", 8, "bands", "gap: no band covers totals 9-9"),
        (1, "max", 10, "band moderate", "overlap: totals from 10 are already in another band"),
        (4, "max", 26, "bands", "gap: no band covers totals 27-27"),
        (4, "max", 30, "bands", "bands run past the highest possible total 27"),
        (0, "min", 1, "bands", "gap: no band covers totals 0-0"),
        (2, "min", 15, "band moderate", "a band by total needs both min and max, min <= max"),
    ],
)
def test_band_gaps_and_overlaps(tmp_path, band, field, value, where, reason):
    data = shipped("phq-9")
    data["bands"][band][field] = value
    error = refused(tmp_path, data)
    assert (error.where, error.reason) == (where, reason)


def test_a_yes_no_screen_needs_both_bands(tmp_path):
    data = shipped("phq-2")
    data["bands"] = data["bands"][:1]
    error = refused(tmp_path, data)
    assert error.reason == "a yes/no screen needs exactly one negative and one positive band"


@pytest.mark.parametrize(
    ("threshold", "reason"),
    [
        ({"default": 30, "allowed": [30]}, "threshold 30 is outside the possible totals 0-27"),
        ({"default": 0, "allowed": [0]}, "threshold 0 is outside the possible totals 0-27"),
        ({"default": 10, "allowed": [9, 28]}, "default 10 is not among allowed [9, 28]"),
        (None, "a screen needs a positive threshold"),
    ],
)
def test_thresholds_outside_the_range(tmp_path, threshold, reason):
    data = shipped("phq-9")
    data["threshold"] = threshold
    error = refused(tmp_path, data)
    assert (error.where, error.reason) == ("threshold", reason)


def test_a_decision_support_checklist_has_no_threshold(tmp_path):
    data = shipped("lantern-indicators")
    data["threshold"] = {"default": 1, "allowed": [1]}
    assert (
        refused(tmp_path, data).reason == "a decision-support checklist has no positive threshold"
    )


@pytest.mark.parametrize(
    ("condition", "reason"),
    [
        (
            {"item": "ptsd-exposur", "answer": "yes"},
            "enable_when points at unknown or later item 'ptsd-exposur'",
        ),
        (
            {"item": "ptsd-5", "answer": "yes"},
            "enable_when points at unknown or later item 'ptsd-5'",
        ),
        (
            {"item": "ptsd-exposure", "answer": "maybe"},
            "enable_when expects answer 'maybe', which item 'ptsd-exposure' does not have",
        ),
        (
            {"item": "ptsd-events", "answer": "yes"},
            "enable_when points at display text 'ptsd-events'",
        ),
    ],
)
def test_display_conditions_pointing_at_unknown_items_or_answers(tmp_path, condition, reason):
    data = shipped("pc-ptsd-5")
    item(data, "ptsd-1")["enable_when"] = [condition]
    error = refused(tmp_path, data)
    assert (error.where, error.reason) == ("item ptsd-1", reason)


def test_missing_text_in_a_declared_language(tmp_path):
    data = shipped("phq-9")
    del item(data, "phq9-3")["text"]["es"]
    error = refused(tmp_path, data)
    assert (error.where, error.reason) == (
        "item phq9-3",
        "missing text in declared language(s): es",
    )


def test_missing_option_label_and_band_label_in_a_declared_language(tmp_path):
    data = shipped("gad-7")
    data["languages"].append("fr")
    error = refused(tmp_path, data)
    places = {where for where, _ in error.problems}
    assert {"title", "item gad7-1", "item gad7-1, option not_at_all", "band mild"} <= places
    assert all("fr" in reason for _, reason in error.problems)


def test_unknown_scoring_method(tmp_path):
    data = shipped("gad-7")
    data["scoring"]["method"] = "average"
    error = refused(tmp_path, data)
    assert (error.where, error.reason) == (
        "scoring",
        "unknown scoring method 'average' (expected one of: sum, count_yes)",
    )


def test_count_yes_needs_yes_to_score_one(tmp_path):
    data = shipped("pc-ptsd-5")
    data["answer_sets"]["yes_no"][0]["score"] = 2
    error = refused(tmp_path, data)
    assert (error.where, error.reason) == (
        "item ptsd-1",
        "count_yes needs a 'yes' answer scoring 1, others 0",
    )


@pytest.mark.parametrize(
    ("change", "where", "reason"),
    [
        (lambda d: d.update(category="wellness"), "instrument", "unknown category 'wellness'"),
        (
            lambda d: item(d, "phq9-1").update(type="slider"),
            "item phq9-1",
            "unknown item type 'slider'",
        ),
        (
            lambda d: d["bands"][0].update(severity="grave"),
            "band minimal",
            "unknown severity 'grave'",
        ),
        (
            lambda d: d["flags"][0].update(severity="soon"),
            "flag suicide_risk",
            "unknown severity 'soon'",
        ),
        (
            lambda d: d["flags"][0]["when"][0].update(item="phq9-10"),
            "flag suicide_risk",
            "condition names unknown item 'phq9-10'",
        ),
        (
            lambda d: d["flags"][0].update(band="critical"),
            "flag suicide_risk",
            "unknown band 'critical'",
        ),
        (
            lambda d: item(d, "phq9-2").update(loinc="44255"),
            "item phq9-2",
            "'44255' is not a LOINC code",
        ),
        (
            lambda d: d["answer_sets"]["frequency"][3].update(score=-3),
            "item phq9-1, option nearly_every_day",
            "score values cannot be negative",
        ),
    ],
)
def test_unknown_names_and_values(tmp_path, change, where, reason):
    data = shipped("phq-9")
    change(data)
    error = refused(tmp_path, data)
    assert error.where == where
    assert error.reason.startswith(reason)


def test_a_boolean_item_cannot_be_scored(tmp_path):
    data = shipped("pc-ptsd-5")
    item(data, "ptsd-exposure")["scored"] = True
    error = refused(tmp_path, data)
    assert (error.where, error.reason) == (
        "item ptsd-exposure",
        "a boolean item cannot be scored; use a choice item with yes/no options",
    )


def test_a_flag_naming_an_unknown_answer(tmp_path):
    data = shipped("asq")
    data["flags"][0]["when"][0]["answer_in"] = ["maybe"]
    error = refused(tmp_path, data)
    assert (error.where, error.reason) == (
        "flag imminent_suicide_risk",
        "item 'asq-5' has no answer 'maybe'",
    )


@pytest.mark.parametrize(
    ("change", "where", "reason"),
    [
        (
            lambda d: item(d, "phq9-4").update(scroed=True),
            "item phq9-4",
            "unknown field(s): scroed",
        ),
        (lambda d: d.pop("licence"), "instrument", "missing field 'licence'"),
        (lambda d: d.update(sensitive="no"), "instrument", "'sensitive' must be true or false"),
        (
            lambda d: item(d, "phq9-4").update(answers="freq"),
            "item phq9-4",
            "unknown answer set 'freq'",
        ),
        (lambda d: d.update(format="lantern-instrument/9"), "instrument", "'format' must be"),
        (lambda d: d["items"][2].pop("link_id"), "items[2]", "missing field 'link_id'"),
        (lambda d: d["bands"][0].update(min="0"), "band minimal", "'min' must be a whole number"),
    ],
)
def test_malformed_fields(tmp_path, change, where, reason):
    data = shipped("phq-9")
    change(data)
    error = refused(tmp_path, data)
    assert error.where == where
    assert error.reason.startswith(reason)


def test_not_json_at_all(tmp_path):
    path = tmp_path / "truncated.json"
    path.write_text(json.dumps(shipped("asq"))[:200], encoding="utf-8")
    with pytest.raises(InstrumentFileError) as error:
        load_instrument_file(path)
    assert error.value.where == "file"
    assert "not valid UTF-8 JSON" in error.value.reason


def test_a_missing_file(tmp_path):
    with pytest.raises(InstrumentFileError, match="cannot read it"):
        load_instrument_file(tmp_path / "absent.json")


def test_every_problem_in_a_file_is_reported_at_once(tmp_path):
    data = shipped("phq-9")
    item(data, "phq9-2")["link_id"] = "phq9-1"
    data["bands"][1]["max"] = 8
    data["threshold"] = {"default": 40, "allowed": [40]}
    error = refused(tmp_path, data)
    message = str(error)
    for expected in ("duplicate linkId", "gap: no band covers totals 9-9", "threshold 40"):
        assert expected in message


# --- The check runs on the shipped files whenever they are loaded ---------------------------


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(registry, "DATA_DIR", tmp_path)
    registry._shipped.cache_clear()
    yield tmp_path
    registry._shipped.cache_clear()


def test_a_broken_shipped_file_stops_loading(data_dir):
    data = shipped("phq-2")
    data["bands"][0]["screen"] = "positive"
    (data_dir / "phq-2.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InstrumentFileError, match=r"phq-2\.json"):
        registry.all_instruments()


def test_a_shipped_file_must_be_named_after_its_id(data_dir):
    (data_dir / "phq2.json").write_text(json.dumps(shipped("phq-2")), encoding="utf-8")
    with pytest.raises(InstrumentFileError, match="id 'phq-2' must match the file name"):
        registry.all_instruments()


def test_instruments_are_loaded_once(monkeypatch):
    registry._shipped.cache_clear()
    loads = []
    real = registry.load_instrument_file
    monkeypatch.setattr(
        registry, "load_instrument_file", lambda path: loads.append(path) or real(path)
    )
    registry.all_instruments()
    registry.all_instruments()
    registry.get_instrument("asq")
    assert len(loads) == len(list(DATA_DIR.glob("*.json")))


def test_unknown_instrument_names_the_known_ones():
    with pytest.raises(KeyError, match=r"unknown instrument 'c-ssrs' \(known: asq, gad-2"):
        registry.get_instrument("c-ssrs")
