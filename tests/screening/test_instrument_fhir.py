"""Every instrument exports as a valid FHIR R4 Questionnaire.

Checked twice: with ``fhir.resources`` (R4B models, pydantic) and with ``fhirclient``'s
stricter FHIR 4.0.1 models. Neither checks code bindings, so the codes Lantern writes are
compared with the R4 value sets here.
"""

from __future__ import annotations

import json

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire as R4BQuestionnaire
from fhirclient.models.questionnaire import Questionnaire as ClientQuestionnaire

from lantern.screening.instruments import all_instruments, get_instrument, to_questionnaire

ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"
LOINC = "http://loinc.org"
# R4 value sets: publication-status, item-type, questionnaire-enable-operator, -behavior.
STATUSES = {"draft", "active", "retired", "unknown"}
ITEM_TYPES = {
    "group",
    "display",
    "boolean",
    "decimal",
    "integer",
    "date",
    "dateTime",
    "time",
    "string",
    "text",
    "url",
    "choice",
    "open-choice",
    "attachment",
    "reference",
    "quantity",
}
OPERATORS = {"exists", "=", "!=", ">", "<", ">=", "<="}
INSTRUMENT_IDS = sorted(all_instruments())


def walk(items):
    for item in items:
        yield item
        yield from walk(item.get("item", []))


@pytest.mark.parametrize("instrument_id", INSTRUMENT_IDS)
@pytest.mark.parametrize("language", ["en", "es"])
def test_questionnaire_validates_with_both_libraries(instrument_id, language):
    resource = to_questionnaire(get_instrument(instrument_id), language=language)
    resource = json.loads(json.dumps(resource))  # exactly what travels as JSON
    parsed = R4BQuestionnaire.model_validate(resource)
    assert parsed.status == "draft"  # every shipped instrument still has review notes
    client = ClientQuestionnaire(resource, strict=True)
    suffix = "" if language == "en" else f"-{language}"
    assert client.url == f"https://lantern.example/fhir/Questionnaire/{instrument_id}{suffix}"
    assert client.id == f"{instrument_id}{suffix}"


@pytest.mark.parametrize("instrument_id", INSTRUMENT_IDS)
def test_codes_come_from_the_r4_value_sets(instrument_id):
    resource = to_questionnaire(get_instrument(instrument_id))
    assert resource["status"] in STATUSES
    for item in walk(resource["item"]):
        assert item["type"] in ITEM_TYPES
        for condition in item.get("enableWhen", []):
            assert condition["operator"] in OPERATORS
        if len(item.get("enableWhen", [])) > 1:
            assert item["enableBehavior"] in {"all", "any"}


@pytest.mark.parametrize("instrument_id", INSTRUMENT_IDS)
def test_items_keep_link_ids_text_and_required(instrument_id):
    instrument = get_instrument(instrument_id)
    resource = to_questionnaire(instrument)
    assert [item["linkId"] for item in resource["item"]] == [i.link_id for i in instrument.items]
    for exported, item in zip(resource["item"], instrument.items, strict=True):
        assert exported["text"] == item.text["en"]
        assert exported.get("required", False) == item.required
        assert exported["type"] == item.type


@pytest.mark.parametrize("instrument_id", INSTRUMENT_IDS)
def test_answer_options_carry_their_score_as_ordinal_value(instrument_id):
    instrument = get_instrument(instrument_id)
    resource = to_questionnaire(instrument)
    for exported, item in zip(resource["item"], instrument.items, strict=True):
        if item.type != "choice":
            assert "answerOption" not in exported
            continue
        for option_json, option in zip(exported["answerOption"], item.options, strict=True):
            coding = option_json["valueCoding"]
            ordinal = [
                e["valueDecimal"] for e in coding.get("extension", []) if e["url"] == ORDINAL_VALUE
            ]
            assert ordinal == ([] if option.score is None else [option.score])
            assert coding["display"] == option.display["en"]


def test_phq9_carries_its_loinc_codes():
    resource = to_questionnaire(get_instrument("phq-9"))
    assert resource["code"] == [{"system": LOINC, "code": "44249-1"}]
    item_9 = next(item for item in resource["item"] if item["linkId"] == "phq9-9")
    assert item_9["code"] == [{"system": LOINC, "code": "44260-8"}]
    nearly_every_day = item_9["answerOption"][3]["valueCoding"]
    assert (nearly_every_day["system"], nearly_every_day["code"]) == (LOINC, "LA6571-9")
    assert nearly_every_day["extension"] == [{"url": ORDINAL_VALUE, "valueDecimal": 3}]


def test_items_without_a_known_loinc_code_carry_none():
    resource = to_questionnaire(get_instrument("asq"))
    assert "code" not in resource
    assert all("code" not in item for item in resource["item"])
    declined = resource["item"][0]["answerOption"][2]["valueCoding"]
    assert declined["system"] == "https://lantern.example/fhir/CodeSystem/lantern-answer"
    assert declined["code"] == "declined"


def test_ptsd_symptoms_are_enabled_by_exposure_yes():
    resource = to_questionnaire(get_instrument("pc-ptsd-5"))
    items = {item["linkId"]: item for item in resource["item"]}
    assert items["ptsd-exposure"]["type"] == "boolean"
    for link_id in ("ptsd-past-month", "ptsd-1", "ptsd-5"):
        assert items[link_id]["enableWhen"] == [
            {"question": "ptsd-exposure", "operator": "=", "answerBoolean": True}
        ]
    assert "required" not in items["ptsd-events"]  # display text is never required


def test_asq_acuity_question_is_enabled_by_any_yes_or_refusal():
    resource = to_questionnaire(get_instrument("asq"))
    acuity = resource["item"][-1]
    assert acuity["linkId"] == "asq-5"
    assert acuity["enableBehavior"] == "any"
    assert {(c["question"], c["answerCoding"]["code"]) for c in acuity["enableWhen"]} == {
        (f"asq-{n}", code) for n in range(1, 5) for code in ("LA33-6", "declined")
    }


def test_base_url_is_configurable():
    resource = to_questionnaire(get_instrument("gad-2"), base_url="https://fhir.clinic.example/r4/")
    assert resource["url"] == "https://fhir.clinic.example/r4/Questionnaire/gad-2"
    ClientQuestionnaire(resource, strict=True)


def test_other_languages_travel_as_translation_extensions():
    resource = to_questionnaire(get_instrument("phq-9"))
    (translation,) = resource["item"][0]["_text"]["extension"]
    assert translation["url"] == TRANSLATION
    assert translation["extension"] == [
        {"url": "lang", "valueCode": "es"},
        {"url": "content", "valueString": "Poco interés o placer en hacer cosas"},
    ]
    spanish = to_questionnaire(get_instrument("phq-9"), language="es")
    assert spanish["language"] == "es"
    assert spanish["item"][0]["text"] == "Poco interés o placer en hacer cosas"


def test_version_and_title_follow_the_data_file():
    instrument = get_instrument("pc-ptsd-5")
    resource = to_questionnaire(instrument)
    assert (resource["version"], resource["title"], resource["name"]) == (
        "1.0.0",
        "Primary Care PTSD Screen for DSM-5 (PC-PTSD-5)",
        "PcPtsd5",
    )
    assert resource["copyright"] == instrument.licence


def test_a_language_the_instrument_lacks_is_refused():
    with pytest.raises(ValueError, match="no text in language 'fr'"):
        to_questionnaire(get_instrument("phq-9"), language="fr")


def test_each_language_has_its_own_canonical_url():
    english = to_questionnaire(get_instrument("phq-9"))
    spanish = to_questionnaire(get_instrument("phq-9"), language="es")
    assert english["url"] != spanish["url"]
    assert (english["language"], spanish["language"]) == ("en", "es")


def test_questionnaires_carry_publisher_and_date():
    resource = to_questionnaire(get_instrument("gad-7"), publisher="Riverside Health")
    assert resource["publisher"] == "Riverside Health"
    assert resource["date"] == get_instrument("gad-7").date == "2026-11-27"


def test_status_is_draft_while_review_notes_remain_and_active_after():
    import dataclasses

    instrument = get_instrument("phq-2")
    assert to_questionnaire(instrument)["status"] == "draft"
    reviewed = dataclasses.replace(instrument, needs_clinical_review=())
    assert to_questionnaire(reviewed)["status"] == "active"


def test_phq9_difficulty_question_carries_its_loinc_code():
    resource = to_questionnaire(get_instrument("phq-9"))
    difficulty = next(item for item in resource["item"] if item["linkId"] == "phq9-difficulty")
    assert difficulty["code"] == [{"system": LOINC, "code": "69722-7"}]
