"""Patient: demographics always; names and record numbers only for the identity scope.

Aliases (street and working names among them) never leave Lantern. Searching by name uses
the registry's blind index and its tolerant ranking (``patients.search``), and needs the
identity scope, since a match would tell the client who the person is.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet

from lantern.audit.models import Category
from lantern.fhir import labels, search
from lantern.fhir.access import ClientAccess
from lantern.fhir.outcomes import FhirError
from lantern.fhir.resources.base import Instant, ModelResource, Param, Resource, Row, among
from lantern.patients import matching
from lantern.patients import search as registry_search
from lantern.patients.models import ExternalIdentifier, Patient

GENDER = {
    "woman": "female",
    "transgender_woman": "female",
    "man": "male",
    "transgender_man": "male",
    "non_binary": "other",
    "self_described": "other",
}
INTERPRETER_REQUIRED = "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired"
NAME_LIMIT = 50


def identifier_system(base_url: str, clinic_id: int, kind: str) -> str:
    """The URI of one clinic's record numbers (each clinic's EHR numbers its own patients)."""
    return f"{base_url}/identifier/clinic-{clinic_id}/{kind}"


def _by_identifier(rows: QuerySet[Any], values: list[str], access: ClientAccess) -> QuerySet[Any]:
    for options in search.alternatives(values):
        tokens = set()
        for option in options:
            system, value = search.token(option)
            expected = identifier_system(access.base_url, access.client.clinic_id, "mrn")
            if system in (None, expected) and value:
                tokens.add(registry_search.identifier_token("mrn", value))
        rows = rows.filter(
            pk__in=ExternalIdentifier.objects.filter(
                value_index__in=tokens, clinic_id=access.client.clinic_id
            ).values("patient_id")
        )
    return rows


def _by_name(rows: QuerySet[Any], values: list[str], access: ClientAccess) -> QuerySet[Any]:
    if not access.identity_allowed:
        raise FhirError(
            403, "forbidden", "Searching by name needs the lantern/identity.read scope."
        )
    for options in search.alternatives(values):
        found: set[Any] = set()
        for option in options:
            query = matching.ParsedQuery(
                words=tuple(matching.words(option))[:8], birth_dates=frozenset(), identifiers=()
            )
            if query.words:
                matches = registry_search.find(access.patients(), query, limit=NAME_LIMIT)
                found |= {match.patient.pk for match in matches}
        rows = rows.filter(pk__in=found)
    return rows


def _by_birth_date(rows: QuerySet[Any], values: list[str], access: ClientAccess) -> QuerySet[Any]:
    return rows.filter(search.date_q("birth_date", values, as_date=True))


def _by_gender(rows: QuerySet[Any], values: list[str], access: ClientAccess) -> QuerySet[Any]:
    for options in search.alternatives(values):
        wanted = {search.token(option)[1] for option in options}
        identities = [code for code, gender in GENDER.items() if gender in wanted]
        other = ["unknown", "declined"] if "unknown" in wanted else []
        rows = rows.filter(gender_identity__in=identities + other)
    return rows


class PatientResource(ModelResource):
    name = "Patient"
    model = Patient
    category = Category.DEMOGRAPHICS
    patient_field = "pk"
    patient_param = False
    updated_field = "updated_at"
    params: ClassVar[dict[str, Param]] = {
        "identifier": Param("token", _by_identifier, "A record number: [system|]value"),
        "name": Param("string", _by_name, "Tolerant name search (needs lantern/identity.read)"),
        "birthdate": Param("date", _by_birth_date, "Exact date of birth, when known"),
        "gender": Param("token", _by_gender, "Administrative gender"),
    }

    def visible(self, access: ClientAccess) -> QuerySet[Any]:
        return access.patients()

    def rows(self, access: ClientAccess) -> QuerySet[Any]:
        return Patient.objects.all()

    def row_filter(self, resource_id: str) -> Any:
        from uuid import UUID

        from django.db.models import Q

        try:
            return Q(pk=UUID(resource_id))
        except ValueError:
            return None

    def columns(self, access: ClientAccess) -> tuple[list[str], dict[str, Any]]:
        names = ["pk", "gender_identity", "birth_date", "preferred_language"]
        names.append("interpreter_needed")
        if access.identity_allowed:  # names are opened only for the identity scope
            names += ["preferred_name", "legal_name"]
        return names, {"updated": Instant("updated_at")}

    def attach(self, rows: list[Row], access: ClientAccess) -> None:
        """Each patient's record numbers (identity scope only): one query for a page."""
        if not access.identity_allowed:
            return
        by_patient: dict[Any, list[tuple[int, str, str]]] = {row["pk"]: [] for row in rows}
        if not by_patient:
            return
        numbers = (
            ExternalIdentifier.objects.filter(among("patient_id", by_patient))
            .order_by("pk")
            .values_list("patient_id", "clinic_id", "system", "value")
        )
        for patient_id, *number in numbers:
            by_patient[patient_id].append(tuple(number))  # type: ignore[arg-type]
        for row in rows:
            row["identifiers"] = by_patient[row["pk"]]

    def render(self, row: Row, access: ClientAccess) -> list[Resource]:
        identity = access.identity_allowed
        extra = () if identity else (labels.REDACTED,)
        resource: Resource = {
            "resourceType": "Patient",
            "id": str(row["pk"]),
            "meta": labels.meta(row["updated"], labels.sensitive(*extra)),
        }
        if identity:
            resource["identifier"] = [
                {
                    "use": "usual",
                    "system": identifier_system(access.base_url, clinic_id, system),
                    "value": value,
                }
                for clinic_id, system, value in row["identifiers"]
            ]
            resource["name"] = _names(row)
        resource["gender"] = GENDER.get(row["gender_identity"], "unknown")
        if row["birth_date"] is not None:
            resource["birthDate"] = row["birth_date"].isoformat()
        resource["communication"] = [
            {
                "language": {
                    "coding": [{"system": "urn:ietf:bcp:47", "code": row["preferred_language"]}]
                },
                "preferred": True,
            }
        ]
        if row["interpreter_needed"]:
            resource["extension"] = [{"url": INTERPRETER_REQUIRED, "valueBoolean": True}]
        return [_without_empty(resource)]


def _names(row: Row) -> list[dict[str, str]]:
    names = [{"use": "usual", "text": str(row["preferred_name"])}]
    if row["legal_name"]:
        names.append({"use": "official", "text": str(row["legal_name"])})
    return names


def _without_empty(resource: Resource) -> Resource:
    return {key: value for key, value in resource.items() if value not in ([], None, "")}
