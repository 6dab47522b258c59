"""Security labels (``meta.security``) and the codes Lantern's resources share.

Being in Lantern's registry at all says that someone may have been exploited, so every
resource about a patient carries confidentiality ``R`` (restricted) and the sensitivity
``SDV`` (sexual assault, abuse or domestic violence information, HL7 v3 ActCode), as the
HL7 security labelling guidance and HEAL Trafficking's coding advice ask. Mental-health
results also carry ``BH`` (behavioral health). A Patient whose names were withheld carries
``REDACTED`` too, so a receiving system knows the gap is deliberate.
"""

from __future__ import annotations

import datetime
from typing import Any

CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
OBSERVATION_VALUE = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"
LOINC = "http://loinc.org"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"

RESTRICTED = {"system": CONFIDENTIALITY, "code": "R", "display": "restricted"}
SDV = {
    "system": ACT_CODE,
    "code": "SDV",
    "display": "sexual assault, abuse, or domestic violence information sensitivity",
}
BEHAVIORAL_HEALTH = {
    "system": ACT_CODE,
    "code": "BH",
    "display": "behavioral health information sensitivity",
}
REDACTED = {"system": OBSERVATION_VALUE, "code": "REDACTED", "display": "redacted"}


def sensitive(*extra: dict[str, str]) -> list[dict[str, str]]:
    """The labels of a resource about a patient, plus any ``extra`` ones."""
    return [dict(RESTRICTED), dict(SDV), *(dict(label) for label in extra)]


def meta(last_updated: Any, security: list[dict[str, str]] | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if last_updated is not None:
        found["lastUpdated"] = instant(last_updated)
    if security:
        found["security"] = security
    return found


def instant(value: Any) -> str:
    """A FHIR instant: UTC, with seconds and milliseconds."""
    if not isinstance(value, datetime.datetime):
        return str(value)
    moment: datetime.datetime = value
    if moment.tzinfo is not datetime.UTC:  # the database already hands back UTC
        moment = moment.astimezone(datetime.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
