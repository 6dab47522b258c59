"""A QuestionnaireResponse posted by a client: checked, scored, stored as a screening result.

The answers are read exactly as the Questionnaire publishes them (LOINC answer codings,
Lantern's own answer codes, true/false for yes/no questions) and scored by the same pure
scorer staff screenings use. Answers the Questionnaire does not allow are refused with a
422 that names each linkId; nothing is stored then. Questionnaires about trafficking or
violence are asked only inside Lantern, after its private-screening gate.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils import timezone
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from pydantic import ValidationError

from lantern.audit.models import Action
from lantern.audit.services import audit_record
from lantern.fhir.access import ClientAccess
from lantern.fhir.models import ClientSubmission
from lantern.fhir.outcomes import FhirError, bad_request, unprocessable
from lantern.fhir.resources.questionnaire import by_id
from lantern.screening import instruments
from lantern.screening import services as screening_services
from lantern.screening.instruments.scoring import LOCAL_ANSWER_SYSTEM_PATH, LOINC
from lantern.screening.models import Mode, ScreeningResult, ScreeningSession, Status


def _item_path(link_id: str) -> str:
    safe = link_id.replace("'", "")[:64]
    return f"QuestionnaireResponse.item.where(linkId='{safe}')"


def parse(body: Any) -> dict[str, Any]:
    """The posted resource, checked against the R4 model; 400 naming each bad element."""
    if not isinstance(body, dict) or body.get("resourceType") != "QuestionnaireResponse":
        raise bad_request("The body must be a QuestionnaireResponse resource.")
    try:
        QuestionnaireResponse.model_validate(body)
    except ValidationError as error:
        places = [
            (
                "QuestionnaireResponse." + ".".join(str(p) for p in problem["loc"]),
                problem["msg"][:120],
            )
            for problem in error.errors()[:20]
        ]
        raise FhirError(
            400, "structure", "The resource is not valid FHIR R4.", expressions=places
        ) from None
    return body


def _instrument(access: ClientAccess, body: Mapping[str, Any]) -> tuple[Any, str]:
    canonical = body.get("questionnaire")
    if not isinstance(canonical, str):
        raise unprocessable(
            "Name the Questionnaire answered.", [("QuestionnaireResponse.questionnaire", "missing")]
        )
    url, _, version = canonical.partition("|")
    prefix = f"{access.base_url}/Questionnaire/"
    found = by_id(url.removeprefix(prefix)) if url.startswith(prefix) else None
    if found is None or (version and version != found[0].version):
        raise unprocessable(
            "This server has no such Questionnaire (check the URL and version).",
            [("QuestionnaireResponse.questionnaire", "not a Questionnaire this server serves")],
        )
    instrument, language = found
    if instrument.sensitive:
        raise unprocessable(
            "This Questionnaire is asked only in Lantern, after confirming the patient is "
            "alone; it cannot be received from another system.",
            [("QuestionnaireResponse.questionnaire", "asked in private screening only")],
        )
    return instrument, language


def _patient_id(access: ClientAccess, body: Mapping[str, Any]) -> UUID:
    reference = (body.get("subject") or {}).get("reference", "")
    refusal = unprocessable(
        "The subject is not a patient this client may reach.",
        [("QuestionnaireResponse.subject", "not a patient this client may reach")],
    )
    try:
        patient_id = UUID(str(reference).removeprefix("Patient/"))
    except ValueError:
        raise refusal from None
    if not access.patients().filter(pk=patient_id).exists():
        raise refusal
    return patient_id


def _answers(access: ClientAccess, body: Mapping[str, Any]) -> dict[str, Any]:
    """linkId -> the answer as the scorer reads it; 422 naming linkIds it cannot take."""
    local = f"{access.base_url}{LOCAL_ANSWER_SYSTEM_PATH}"
    answers: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for item in body.get("item") or []:
        link_id = str(item.get("linkId", ""))
        given = item.get("answer") or []
        if link_id in answers:
            problems.append((link_id, "the question appears twice"))
        elif item.get("item") or len(given) > 1:
            problems.append((link_id, "one answer per question, no nested items"))
        elif given and "valueBoolean" in given[0]:
            answers[link_id] = given[0]["valueBoolean"]
        elif given and "valueCoding" in given[0]:
            coding = given[0]["valueCoding"]
            system = coding.get("system", "")
            if system not in (LOINC, local):
                problems.append(
                    (link_id, "an answer coding from a system the question does not use")
                )
            else:
                answers[link_id] = {"system": system, "code": coding.get("code", "")}
        elif given:
            problems.append((link_id, "answer with valueCoding or valueBoolean"))
    if problems:
        raise _refused(problems)
    return answers


def _refused(problems: list[tuple[str, str]]) -> FhirError:
    names = ", ".join(dict.fromkeys(link_id for link_id, _ in problems))
    return unprocessable(
        f"Answers the Questionnaire does not allow: {names[:300]}.",
        [(_item_path(link_id), reason[:200]) for link_id, reason in problems],
    )


def questionnaire_response_receive(
    *, access: ClientAccess, body: Any
) -> tuple[ScreeningResult, instruments.ScoreResult]:
    """Check, score and store one posted QuestionnaireResponse."""
    body = parse(body)
    if body.get("status") != "completed":
        raise unprocessable(
            "Only completed responses are scored.",
            [("QuestionnaireResponse.status", "must be completed")],
        )
    instrument, language = _instrument(access, body)
    patient_id = _patient_id(access, body)
    answers = _answers(access, body)
    try:
        scored = instruments.score(instrument, answers)
    except instruments.AnswerError as error:
        raise _refused(list(error.problems)) from None
    result = _store(access, patient_id, instrument, language, dict(scored.answers))
    return result, scored


@transaction.atomic
def _store(
    access: ClientAccess, patient_id: UUID, instrument: Any, language: str, codes: dict[str, str]
) -> ScreeningResult:
    session = ScreeningSession.objects.create(
        patient_id=patient_id,
        mode=Mode.EXCHANGE,
        clinic_id=access.client.clinic_id,
        instrument_ids=[instrument.id],
        language=language,
        status=Status.IN_PROGRESS,
        started_by=None,
        started_at=timezone.now(),
    )
    result = screening_services.result_record(
        actor=None, session=session, instrument_id=instrument.id, answers=codes
    )
    ClientSubmission.objects.create(result=result, client=access.client)
    audit_record(
        action=Action.CREATE,
        request=access.request,
        actor=access.client,
        patient_id=patient_id,
        obj=result,
        category=screening_services.category_for_audit(instrument),
        detail=f"FHIR QuestionnaireResponse received: {instrument.id} scored",
    )
    return result
