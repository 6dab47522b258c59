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

from django.db.models import F, Q, QuerySet

from lantern.audit.models import Category
from lantern.fhir import labels
from lantern.fhir.access import ClientAccess
from lantern.fhir.resources.base import (
    Include,
    Instant,
    ModelResource,
    Param,
    Resource,
    Row,
    among,
)
from lantern.fhir.resources.common import (
    codeable,
    local_system,
    patient_ref,
    token_filter,
    user_label,
)
from lantern.screening import instruments
from lantern.screening.instruments.fhir import questionnaire_id
from lantern.screening.models import Mode, ScreeningResult

MENTAL_HEALTH = frozenset({"mental_health", "suicide_risk"})


def result_rows() -> QuerySet[ScreeningResult]:
    return ScreeningResult.objects.released()


def instrument_of(row: Row) -> instruments.Instrument | None:
    try:
        return instruments.get_instrument(row["instrument_id"])
    except KeyError:
        return None


def result_labels(row: Row) -> list[dict[str, str]]:
    extra = (labels.BEHAVIORAL_HEALTH,) if row["category"] in MENTAL_HEALTH else ()
    return labels.sensitive(*extra)


def questionnaire_of(row: Row) -> str:
    """The id of the Questionnaire (instrument and language) the patient answered."""
    instrument = instrument_of(row)
    if instrument is None:
        return str(row["instrument_id"])
    language = row["language"]
    return questionnaire_id(instrument, language if language in instrument.languages else "en")


def canonical(access: ClientAccess, row: Row) -> str:
    return f"{access.base_url}/Questionnaire/{questionnaire_of(row)}|{row['instrument_version']}"


PATIENT_INCLUDE = Include("Patient", lambda row: [str(row["patient_id"])])
RESULT_FIELDS = [
    "pk",
    "patient_id",
    "instrument_id",
    "instrument_version",
    "category",
    "total",
    "positive",
    "band_code",
    "flags",
]


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

    def columns(self, access: ClientAccess) -> tuple[list[str], dict[str, Any]]:
        # Answers are sealed: opened only for the QuestionnaireResponse that carries them.
        names = [*RESULT_FIELDS, "answers"] if self.needs_answers else RESULT_FIELDS
        return names, {
            "recorded": Instant("recorded_at"),
            "mode": F("session__mode"),
            "language": F("session__language"),
            "submitted_by": F("fhir_submission__client__name"),
            "recorder": user_label("recorded_by"),
        }

    def export_rows(
        self, access: ClientAccess, patient_ids: list[Any], since: Any, types: list[Any]
    ) -> Iterator[Row]:
        """The released results of these patients (only those with flags when Flag is the
        one type asked for), with their answers if a type needs them."""
        rows = (types[0] if len(types) == 1 else self).rows(access)
        rows = rows.filter(among("patient_id", patient_ids))
        if since is not None:
            rows = rows.filter(recorded_at__gt=since)
        source = next((t for t in types if t.needs_answers), self)
        return self.stream(source.shape(rows, access).order_by("pk"), access)


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

    def render(self, row: Row, access: ClientAccess) -> list[Resource]:
        instrument = instrument_of(row)
        answers: dict[str, Any] = dict(row["answers"] or {})
        items = []
        for item in instrument.items if instrument is not None else ():
            value = _answer(item, answers.get(item.link_id), access)
            if value is not None:
                items.append({"linkId": item.link_id, "answer": [value]})
        resource: Resource = {
            "resourceType": "QuestionnaireResponse",
            "id": str(row["pk"]),
            "meta": labels.meta(row["recorded"], result_labels(row)),
            "questionnaire": canonical(access, row),
            "status": "completed",
            "subject": patient_ref(row["patient_id"]),
            "authored": row["recorded"],
        }
        if row["mode"] == Mode.KIOSK:
            resource["source"] = patient_ref(row["patient_id"])
        if items:
            resource["item"] = items
        return [resource]


def _total_code(instrument: instruments.Instrument | None, row: Row, access: ClientAccess) -> Any:
    if instrument is not None and instrument.loinc_total:
        title = instrument.title.get("en", row["instrument_id"])
        return codeable(labels.LOINC, instrument.loinc_total, f"{title} total score")
    return codeable(local_system(access, "lantern-score"), f"{row['instrument_id']}-total")


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
        "derived-from": Include("QuestionnaireResponse", lambda row: [str(row["pk"])]),
    }

    def render(self, row: Row, access: ClientAccess) -> list[Resource]:
        instrument = instrument_of(row)
        resource: Resource = {
            "resourceType": "Observation",
            "id": str(row["pk"]),
            "meta": labels.meta(row["recorded"], result_labels(row)),
            "status": "final",
            "category": [
                codeable(
                    "http://terminology.hl7.org/CodeSystem/observation-category",
                    "survey",
                    "Survey",
                )
            ],
            "code": _total_code(instrument, row, access),
            "subject": patient_ref(row["patient_id"]),
            "effectiveDateTime": row["recorded"],
            "issued": row["recorded"],
            "derivedFrom": [{"reference": f"QuestionnaireResponse/{row['pk']}"}],
        }
        if row["total"] is not None:
            resource["valueInteger"] = row["total"]
        decision_support = instrument is not None and instrument.decision_support_only
        if not decision_support:
            code, display = ("POS", "Positive") if row["positive"] else ("NEG", "Negative")
            resource["interpretation"] = [
                codeable(
                    "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
                    code,
                    display,
                )
            ]
        if row["band_code"]:
            resource["component"] = [_band_component(instrument, row, access)]
        return [resource]


def _band_component(
    instrument: instruments.Instrument | None, row: Row, access: ClientAccess
) -> dict[str, Any]:
    band = row["band_code"]
    label = band
    if instrument is not None:
        with contextlib.suppress(KeyError):
            label = instrument.band(band).label.get("en", band)
    return {
        "code": codeable(local_system(access, "lantern-score"), "band", "Severity band"),
        "valueCodeableConcept": codeable(
            local_system(access, f"{row['instrument_id']}-band"), band, label
        ),
    }


def flag_id(row: Row, code: str) -> str:
    return f"{row['pk']}-{code.replace('_', '-')}"


class FlagResource(ResultResource):
    name = "Flag"

    def rows(self, access: ClientAccess) -> QuerySet[Any]:
        return result_rows().exclude(flags=[])

    def row_filter(self, resource_id: str) -> Q | None:
        pk, _, code = resource_id.partition("-")
        return Q(pk=pk) if pk.isdigit() and code else None

    def render(self, row: Row, access: ClientAccess) -> list[Resource]:
        if not row["flags"]:
            return []
        instrument = instrument_of(row)
        messages = {}
        if instrument is not None:
            messages = {rule.code: rule.message.get("en", "") for rule in instrument.flag_rules}
        return [
            {
                "resourceType": "Flag",
                "id": flag_id(row, code),
                "meta": labels.meta(row["recorded"], result_labels(row)),
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
                "subject": patient_ref(row["patient_id"]),
                "period": {"start": row["recorded"]},
            }
            for code in row["flags"]
        ]


class ProvenanceResource(ResultResource):
    name = "Provenance"

    def render(self, row: Row, access: ClientAccess) -> list[Resource]:
        targets = [
            {"reference": f"QuestionnaireResponse/{row['pk']}"},
            {"reference": f"Observation/{row['pk']}"},
            *({"reference": f"Flag/{flag_id(row, code)}"} for code in row["flags"]),
        ]
        return [
            {
                "resourceType": "Provenance",
                "id": str(row["pk"]),
                "meta": labels.meta(row["recorded"], result_labels(row)),
                "target": targets,
                "recorded": row["recorded"],
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


def _author(row: Row) -> dict[str, str]:
    if row["submitted_by"] is not None:
        return {"display": f"{row['submitted_by']} (registered system)"}
    if row["mode"] == Mode.KIOSK:
        return patient_ref(row["patient_id"])
    if row["recorder"] is not None:
        return {"display": row["recorder"]}
    return {"display": "unknown"}


def received_resources(access: ClientAccess, result: ScreeningResult) -> list[Resource]:
    """A result a client just sent, as the QuestionnaireResponse, Observation and Flags a
    read of it gives back."""
    response = QuestionnaireResponseResource()
    row = response.fetch(ScreeningResult.objects.filter(pk=result.pk), access)[0]
    return [
        *response.render(row, access),
        *ObservationResource().render(row, access),
        *FlagResource().render(row, access),
    ]
