"""An instrument as a FHIR R4 Questionnaire (a JSON-ready dict).

Answer options carry their score in the ``ordinalValue`` extension; items carry LOINC codes
where known; answer codes are LOINC answer codes where known, else Lantern's own code system.
Text in the other languages travels in the standard ``translation`` extension.

Each language is its own Questionnaire with its own canonical URL: English keeps the plain
id (``phq-9``), other languages add their tag (``phq-9-es``), so a response names exactly the
wording the patient saw. An instrument with clinical review notes left is a ``draft``.
"""

from __future__ import annotations

import re
from typing import Any

from lantern.screening.instruments.model import AnswerOption, Instrument, Item, LocalizedText

DEFAULT_FHIR_BASE = "https://lantern.example/fhir"
DEFAULT_PUBLISHER = "Lantern"
BASE_LANGUAGE = "en"
LOINC = "http://loinc.org"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"
NOT_NAME = re.compile(r"[^A-Za-z0-9]")


def questionnaire_id(instrument: Instrument, language: str = BASE_LANGUAGE) -> str:
    """The Questionnaire id of the instrument in ``language``: ``phq-9``, ``phq-9-es``."""
    return instrument.id if language == BASE_LANGUAGE else f"{instrument.id}-{language}"


def to_questionnaire(
    instrument: Instrument,
    *,
    base_url: str = DEFAULT_FHIR_BASE,
    language: str = BASE_LANGUAGE,
    publisher: str = DEFAULT_PUBLISHER,
) -> dict[str, Any]:
    """A FHIR R4 Questionnaire for the instrument, in ``language`` with translations."""
    if language not in instrument.languages:
        raise ValueError(f"{instrument.id} has no text in language '{language}'")
    base = base_url.rstrip("/")
    resource_id = questionnaire_id(instrument, language)
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": resource_id,
        "language": language,
        "url": f"{base}/Questionnaire/{resource_id}",
        "version": instrument.version,
        "name": NOT_NAME.sub("", instrument.abbreviation.title()) or "Instrument",
        "title": instrument.title[language],
        "status": "draft" if instrument.in_review else "active",
        "subjectType": ["Patient"],
        "publisher": publisher,
        "description": instrument.description[language],
        "copyright": instrument.licence,
        "item": [_item(instrument, item, base, language) for item in instrument.items],
    }
    if instrument.date:
        resource["date"] = instrument.date
    resource.update(_translated("title", instrument.title, language))
    if instrument.loinc:
        resource["code"] = [{"system": LOINC, "code": instrument.loinc}]
    return resource


def _item(instrument: Instrument, item: Item, base: str, language: str) -> dict[str, Any]:
    element: dict[str, Any] = {"linkId": item.link_id, "text": item.text[language]}
    element.update(_translated("text", item.text, language))
    element["type"] = item.type
    if item.loinc:
        element["code"] = [{"system": LOINC, "code": item.loinc}]
    if item.enable_when:
        element["enableWhen"] = [
            _enable_when(instrument.item(condition.link_id), condition.answer, base)
            for condition in item.enable_when
        ]
        if len(item.enable_when) > 1:
            element["enableBehavior"] = item.enable_behavior
    if item.answerable:
        element["required"] = item.required
    if item.type == "choice":
        element["answerOption"] = [
            {"valueCoding": _coding(option, base, language)} for option in item.options
        ]
    return element


def _enable_when(target: Item, answer: str, base: str) -> dict[str, Any]:
    condition: dict[str, Any] = {"question": target.link_id, "operator": "="}
    if target.type == "boolean":
        condition["answerBoolean"] = answer == "yes"
    else:
        condition["answerCoding"] = _code_only(target.option(answer), base)
    return condition


def _coding(option: AnswerOption, base: str, language: str) -> dict[str, Any]:
    coding = _code_only(option, base)
    coding["display"] = option.display[language]
    coding.update(_translated("display", option.display, language))
    if option.score is not None:
        coding["extension"] = [{"url": ORDINAL_VALUE, "valueDecimal": option.score}]
    return coding


def _code_only(option: AnswerOption, base: str) -> dict[str, Any]:
    if option.loinc:
        return {"system": LOINC, "code": option.loinc}
    return {"system": f"{base}/CodeSystem/lantern-answer", "code": option.code}


def _translated(name: str, text: LocalizedText, language: str) -> dict[str, Any]:
    """``_<name>`` with a translation extension per other language, or nothing."""
    extensions = [
        {
            "url": TRANSLATION,
            "extension": [
                {"url": "lang", "valueCode": lang},
                {"url": "content", "valueString": content},
            ],
        }
        for lang, content in text.items()
        if lang != language and content
    ]
    return {f"_{name}": {"extension": extensions}} if extensions else {}
