"""QuestionnaireResponse, Observation, Flag and Provenance: four views of one screening result.

Each released result (a tablet's results only after staff took the tablet back) is one
QuestionnaireResponse with the patient's answers, one Observation with the total score and
band (``derivedFrom`` the response), one Flag per urgent flag, and one Provenance saying who
recorded it. They share the result's primary key as their id (a Flag adds its code).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, ClassVar

from django.db.models import Q, QuerySet

from lantern.audit.models import Category
from lantern.fhir import labels
from lantern.fhir.access import ClientAccess
from lantern.fhir.resources.base import Include, ModelResource, Param, Resource
from lantern.fhir.resources.common import codeable, local_system, patient_ref, token_filter
from lantern.screening import instruments
from lantern.screening.instruments.fhir import questionnaire_id
from lantern.screening.models import Mode, ScreeningResult

MENTAL_HEALTH = frozenset({"mental_health", "suicide_risk"})


def result_rows() -> QuerySet[ScreeningResult]:
    return ScreeningResult.objects.released()


def instrument_of(row: ScreeningResult) -> instruments.Instrument | None:
    try:
        return instruments.get_instrument(row.instrument_id)
    except KeyError:
        return None


def result_labels(row: ScreeningResult) -> list[dict[str, str]]:
    extra = (labels.BEHAVIORAL_HEALTH,) if row.category in MENTAL_HEALTH else ()
    return labels.sensitive(*extra)


def questionnaire_of(row: ScreeningResult) -> str:
    """The id of the Questionnaire (instrument and language) the patient answered."""
    instrument = instrument_of(row)
    if instrument is None:
        return row.instrument_id
    language = row.session.language
    return questionnaire_id(instrument, language if language in instrument.languages else "en")


def canonical(access: ClientAccess, row: ScreeningResult) -> str:
    return f"{access.base_url}/Questionnaire/{questionnaire_of(row)}|{row.instrument_version}"


PATIENT_INCLUDE = Include("Patient", lambda row: [str(row.patient_id)])


class ResultResource(ModelResource):
    """Shared by the four types read from screening results."""

    model = ScreeningResult
    category = Category.MENTAL_HEALTH
    includes: ClassVar[dict[str, Include]] = {"patient": PATIENT_INCLUDE}
    date_field = "recorded_at"
    updated_field = "recorded_at"

    def rows(self, access: ClientAccess) -> QuerySet[Any]:
        return result_rows()

    needs_answers: ClassVar[bool] = False
    export_source = "screening-result"

    def export_rows(
        self, access: ClientAccess, patient_ids: list[Any], since: Any, types: list[Any]
    ) -> Iterator[Any]:
        """Every released result of these patients, with its answers if a type needs them."""
        rows = result_rows().filter(patient_id__in=patient_ids)
        if since is not None:
            rows = rows.filter(recorded_at__gt=since)
        rows = rows.select_related("session", "recorded_by", "fhir_submission__client").defer(
            "session__deferral_note", "fhir_submission__client__jwks"
        )
        if not any(getattr(t, "needs_answers", False) for t in types):
            rows = rows.defer("answers")
        return rows.order_by("pk").iterator(chunk_size=self.batch)

    def optimised(self, rows: QuerySet[Any]) -> QuerySet[Any]:
        rows = rows.select_related("session", "recorded_by", "fhir_submission__client").defer(
            "session__deferral_note", "fhir_submission__client__jwks"
        )
        # Answers are sealed: opened only for the QuestionnaireResponse that carries them.
        return rows if self.needs_answers else rows.defer("answers")


def _answer(item: instruments.Item, raw: Any, access: ClientAccess) -> dict[str, Any] | None:
    """An answer as stored (a code, a score value, true/false) as a FHIR answer value."""
    option, _reason = instruments.read_answer(item, raw)
    if option is None:
        return None
    if item.type == "boolean":
        return {"valueBoolean": option.code == "yes"}
    if option.loinc:
        coding = {"system": labels.LOINC, "code": option.loinc}
    else:
        coding = {"system": local_system(access, "lantern-answer"), "code": option.code}
    coding["display"] = option.display.get("en", option.code)
    return {"valueCoding": coding}


class QuestionnaireResponseResource(ResultResource):
    name = "QuestionnaireResponse"
    needs_answers = True

    includes: ClassVar[dict[str, Include]] = {
        "patient": PATIENT_INCLUDE,
        "questionnaire": Include("Questionnaire", lambda row: [questionnaire_of(row)]),
    }

    def render(self, row: ScreeningResult, access: ClientAccess) -> list[Resource]:
        instrument = instrument_of(row)
        answers: dict[str, Any] = dict(row.answers or {})
        items = []
        for item in instrument.items if instrument is not None else ():
            value = _answer(item, answers.get(item.link_id), access)
            if value is not None:
                items.append({"linkId": item.link_id, "answer": [value]})
        resource: Resource = {
            "resourceType": "QuestionnaireResponse",
            "id": str(row.pk),
            "meta": labels.meta(row.recorded_at, result_labels(row)),
            "questionnaire": canonical(access, row),
            "status": "completed",
            "subject": patient_ref(row.patient_id),
            "authored": labels.instant(row.recorded_at),
        }
        if row.session.mode == Mode.KIOSK:
            resource["source"] = patient_ref(row.patient_id)
        if items:
            resource["item"] = items
        return [resource]


def _total_code(instrument: instruments.Instrument | None, row: Any, access: ClientAccess) -> Any:
    if instrument is not None and instrument.loinc_total:
        title = instrument.title.get("en", row.instrument_id)
        return codeable(labels.LOINC, instrument.loinc_total, f"{title} total score")
    return codeable(local_system(access, "lantern-score"), f"{row.instrument_id}-total")


def _observation_code_q(system: str | None, code: str, access: ClientAccess) -> Q:
    ids = []
    for instrument in instruments.all_instruments().values():
        loinc_match = system in (None, labels.LOINC) and instrument.loinc_total == code
        local_match = system in (None, local_system(access, "lantern-score")) and (
            code == f"{instrument.id}-total"
        )
        if loinc_match or local_match:
            ids.append(instrument.id)
    return Q(instrument_id__in=ids)


class ObservationResource(ResultResource):
    name = "Observation"
    params: ClassVar[dict[str, Param]] = {
        "code": Param("token", token_filter(_observation_code_q), "The score's code: [system|]code")
    }
    includes: ClassVar[dict[str, Include]] = {
        "patient": PATIENT_INCLUDE,
        "derived-from": Include("QuestionnaireResponse", lambda row: [str(row.pk)]),
    }

    def render(self, row: ScreeningResult, access: ClientAccess) -> list[Resource]:
        instrument = instrument_of(row)
        resource: Resource = {
            "resourceType": "Observation",
            "id": str(row.pk),
            "meta": labels.meta(row.recorded_at, result_labels(row)),
            "status": "final",
            "category": [
                codeable(
                    "http://terminology.hl7.org/CodeSystem/observation-category",
                    "survey",
                    "Survey",
                )
            ],
            "code": _total_code(instrument, row, access),
            "subject": patient_ref(row.patient_id),
            "effectiveDateTime": labels.instant(row.recorded_at),
            "issued": labels.instant(row.recorded_at),
            "derivedFrom": [{"reference": f"QuestionnaireResponse/{row.pk}"}],
        }
        if row.total is not None:
            resource["valueInteger"] = row.total
        decision_support = instrument is not None and instrument.decision_support_only
        if not decision_support:
            code, display = ("POS", "Positive") if row.positive else ("NEG", "Negative")
            resource["interpretation"] = [
                codeable(
                    "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
                    code,
                    display,
                )
            ]
        if row.band_code:
            resource["component"] = [_band_component(instrument, row, access)]
        return [resource]


def _band_component(
    instrument: instruments.Instrument | None, row: ScreeningResult, access: ClientAccess
) -> dict[str, Any]:
    label = row.band_code
    if instrument is not None:
        with contextlib.suppress(KeyError):
            label = instrument.band(row.band_code).label.get("en", row.band_code)
    return {
        "code": codeable(local_system(access, "lantern-score"), "band", "Severity band"),
        "valueCodeableConcept": codeable(
            local_system(access, f"{row.instrument_id}-band"), row.band_code, label
        ),
    }


def flag_id(row: ScreeningResult, code: str) -> str:
    return f"{row.pk}-{code.replace('_', '-')}"


class FlagResource(ResultResource):
    name = "Flag"

    def rows(self, access: ClientAccess) -> QuerySet[Any]:
        return result_rows().exclude(flags=[])

    def row_filter(self, resource_id: str) -> Q | None:
        pk, _, code = resource_id.partition("-")
        return Q(pk=pk) if pk.isdigit() and code else None

    def render(self, row: ScreeningResult, access: ClientAccess) -> list[Resource]:
        instrument = instrument_of(row)
        messages = {}
        if instrument is not None:
            messages = {rule.code: rule.message.get("en", "") for rule in instrument.flag_rules}
        return [
            {
                "resourceType": "Flag",
                "id": flag_id(row, code),
                "meta": labels.meta(row.recorded_at, result_labels(row)),
                "status": "active",
                "category": [
                    codeable(
                        "http://terminology.hl7.org/CodeSystem/flag-category", "safety", "Safety"
                    )
                ],
                "code": codeable(
                    local_system(access, "lantern-flag"),
                    code,
                    code.replace("_", " "),
                    text=messages.get(code, ""),
                ),
                "subject": patient_ref(row.patient_id),
                "period": {"start": labels.instant(row.recorded_at)},
            }
            for code in row.flags
        ]


class ProvenanceResource(ResultResource):
    name = "Provenance"

    def render(self, row: ScreeningResult, access: ClientAccess) -> list[Resource]:
        targets = [
            {"reference": f"QuestionnaireResponse/{row.pk}"},
            {"reference": f"Observation/{row.pk}"},
            *({"reference": f"Flag/{flag_id(row, code)}"} for code in row.flags),
        ]
        return [
            {
                "resourceType": "Provenance",
                "id": str(row.pk),
                "meta": labels.meta(row.recorded_at, result_labels(row)),
                "target": targets,
                "recorded": labels.instant(row.recorded_at),
                "agent": [
                    {
                        "type": codeable(
                            "http://terminology.hl7.org/CodeSystem/provenance-participant-type",
                            "author",
                            "Author",
                        ),
                        "who": _author(row),
                    }
                ],
            }
        ]


def _author(row: ScreeningResult) -> dict[str, str]:
    submission = getattr(row, "fhir_submission", None)
    if submission is not None:
        return {"display": f"{submission.client.name} (registered system)"}
    if row.session.mode == Mode.KIOSK:
        return patient_ref(row.patient_id)
    if row.recorded_by is not None:
        return {"display": row.recorded_by.display_name or row.recorded_by.get_username()}
    return {"display": "unknown"}
