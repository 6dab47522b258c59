"""JSON nested past what Lantern reads (100,000 lists inside one another, or just deeper than
any FHIR resource needs) gets a 400 OperationOutcome from the API, an OAuth error from the
token endpoint and a form error on the administrator's page: never a 500."""

from __future__ import annotations

import base64
import json

import pytest
from django.urls import reverse

from lantern.core.json_input import MAX_DEPTH
from lantern.fhir.models import ApiClient
from tests.fhir.conftest import public_jwks
from tests.fhir.test_questionnaire_response import asq_items, response_for

DEEP = "[" * 100_000 + "]" * 100_000
NESTED = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)  # readable, but deeper than allowed


def post_text(fhir, text: str):
    return fhir.http.post(
        "/fhir/QuestionnaireResponse",
        text,
        content_type="application/fhir+json",
        HTTP_AUTHORIZATION=f"Bearer {fhir.token()}",
    )


@pytest.mark.parametrize("text", [DEEP, NESTED], ids=["100000 lists", "past the limit"])
def test_a_deeply_nested_body_gets_a_400_operation_outcome(fhir, text):
    response = post_text(fhir, text)
    assert response.status_code == 400
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["code"] == "invalid"
    assert f"nested more than {MAX_DEPTH} deep" in outcome["issue"][0]["diagnostics"]


def test_deep_nesting_inside_a_resource_gets_a_400_too(fhir, personas):
    body = response_for(personas.patient, "asq", asq_items(0))
    text = json.dumps(body).replace('"status": "completed"', f'"status": {DEEP}')
    assert post_text(fhir, text).status_code == 400


def test_a_number_too_long_to_read_gets_a_400(fhir):
    response = post_text(fhir, '{"resourceType": ' + "9" * 5000 + "}")
    assert response.status_code == 400
    assert response.json()["issue"][0]["diagnostics"] == "The body is not JSON."


def segment(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


def test_a_client_assertion_with_a_deeply_nested_payload_is_an_oauth_error(fhir):
    header = segment(json.dumps({"alg": "RS384", "typ": "JWT"}))
    forged = f"{header}.{segment(DEEP)}.{segment('signature')}"
    response = fhir.http.post(
        "/fhir/auth/token",
        {
            "grant_type": "client_credentials",
            "scope": "system/Patient.rs",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": forged,
        },
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


@pytest.mark.parametrize("text", [DEEP, NESTED], ids=["100000 lists", "past the limit"])
def test_a_deeply_nested_key_set_is_a_form_error(personas, client_for, rsa_key, text):
    admin = client_for(personas.admin)
    form = {
        "name": "Harbor EHR",
        "clinic": personas.clinic.pk,
        "disclosure": "disclose_primary_care",
        "scopes": ["system/Patient.rs"],
        "jwks": text,
    }
    response = admin.post(reverse("api_clients:new"), form)
    assert response.status_code == 200
    assert "Paste the key set as JSON." in response.content.decode()
    assert not ApiClient.objects.exists()
    good = form | {"jwks": json.dumps(public_jwks(rsa_key))}
    assert admin.post(reverse("api_clients:new"), good).status_code == 302
