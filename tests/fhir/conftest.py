"""A registered FHIR client with its keys, signed assertions, tokens, and a test client
that validates every FHIR resource it receives (see ``validation``)."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, RSAKey

from lantern.encounters import services as visit_services
from lantern.fhir import services
from lantern.fhir.models import ApiClient
from lantern.screening import services as screening_services
from tests.fhir.validation import validate_resource

TOKEN_URL = "http://testserver/fhir/auth/token"
ALL_SCOPES = "system/*.rs system/QuestionnaireResponse.c lantern/identity.read"


@pytest.fixture(scope="session")
def rsa_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "rsa-1"})


@pytest.fixture(scope="session")
def ec_key() -> ECKey:
    return ECKey.generate_key("P-384", parameters={"kid": "ec-1"})


@pytest.fixture(scope="session")
def other_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "rsa-1"})  # same kid, other key


def public_jwks(*keys: Any) -> dict[str, Any]:
    return KeySet(list(keys)).as_dict(private=False)


def assertion(
    client_id: str,
    key: Any,
    *,
    alg: str = "RS384",
    aud: str = TOKEN_URL,
    lifetime: int = 240,
    jti: str | None = None,
    **claims: Any,
) -> str:
    now = int(time.time())
    payload = {
        "iss": client_id,
        "sub": client_id,
        "aud": aud,
        "exp": now + lifetime,
        "iat": now,
        "jti": jti or uuid.uuid4().hex,
        **claims,
    }
    return jwt.encode({"alg": alg, "kid": key.kid, "typ": "JWT"}, payload, key, algorithms=[alg])


def token_form(signed: str, scope: str = ALL_SCOPES) -> dict[str, str]:
    return {
        "grant_type": "client_credentials",
        "scope": scope,
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": signed,
    }


class FhirTestClient(Client):
    """Django's test client; every FHIR JSON body it receives is validated on arrival."""

    def request(self, **request: Any) -> Any:
        response = super().request(**request)
        content_type = response.get("Content-Type", "")
        if "fhir+json" in content_type and not getattr(response, "streaming", False):
            body = json.loads(response.content)
            validate_resource(body)
            for entry in body.get("entry", []) if body.get("resourceType") == "Bundle" else []:
                validate_resource(entry["resource"])
        return response


@dataclass
class Fhir:
    client: ApiClient
    http: FhirTestClient
    key: Any

    def token(self, scope: str = ALL_SCOPES) -> str:
        response = self.http.post(
            "/fhir/auth/token", token_form(assertion(self.client.client_id, self.key), scope)
        )
        assert response.status_code == 200, response.content
        return response.json()["access_token"]

    def get(self, path: str, token: str | None = None, **extra: Any) -> Any:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token or self.token()}"}
        return self.http.get(path, **headers, **extra)

    def post(self, path: str, body: Any, token: str | None = None) -> Any:
        return self.http.post(
            path,
            json.dumps(body),
            content_type="application/fhir+json",
            HTTP_AUTHORIZATION=f"Bearer {token or self.token()}",
        )


def share_with_ehr(personas: Any, patient: Any = None, status: str = "given") -> None:
    visit_services.consent_record(
        actor=personas.clinician,
        patient=patient or personas.patient,
        encounter=None,
        scope="disclose_primary_care",
        status=status,
        method="verbal",
    )


@pytest.fixture
def fhir(personas: Any, rsa_key: RSAKey, ec_key: ECKey) -> Fhir:
    client = services.api_client_register(
        actor=personas.admin,
        name="Riverside EHR",
        clinic=personas.clinic,
        scope_text=ALL_SCOPES,
        jwks=public_jwks(rsa_key, ec_key),
    )
    share_with_ehr(personas)
    return Fhir(client, FhirTestClient(), rsa_key)


@pytest.fixture
def kick(django_capture_on_commit_callbacks):
    """Kick an export off; the task worker runs it once the request's transaction commits."""

    def kick_off(fhir, url="/fhir/$export", token=None):
        with django_capture_on_commit_callbacks(execute=True):
            return fhir.get(
                url, token, HTTP_PREFER="respond-async", HTTP_ACCEPT="application/fhir+json"
            )

    return kick_off


@pytest.fixture
def chart(personas):
    """A visit, a PHQ-9 with a suicide-risk flag, and codes decided with the patient."""
    p = personas
    visit = visit_services.encounter_start(
        actor=p.clinician,
        patient=p.patient,
        clinic=p.clinic,
        kind="emergency",
        companion="came_alone",
        interpreter="not_needed",
    )
    session = screening_services.screening_start(
        actor=p.clinician, patient=p.patient, instrument_ids=["phq-9"], language="es"
    )
    answers = {f"phq9-{n}": "2" for n in range(1, 9)} | {"phq9-9": "1"}
    result = screening_services.result_record(
        actor=p.clinician, session=session, instrument_id="phq-9", answers=answers
    )
    confirmed = screening_services.code_decide(
        actor=p.clinician,
        patient=p.patient,
        result=result,
        code="T76.51XA",
        decision="confirmed",
        discussed_with_patient=True,
    )
    screening_services.code_decide(
        actor=p.clinician,
        patient=p.patient,
        result=result,
        code="T74.51XA",
        decision="declined",
        discussed_with_patient=True,
    )
    return {"visit": visit, "result": result, "code": confirmed}
