"""SMART Backend Services: the token endpoint and bearer tokens, as a client meets them."""

from __future__ import annotations

import hashlib

import pytest
import time_machine

from lantern.audit.models import AuditEvent
from lantern.fhir import services
from lantern.fhir.models import AccessToken
from tests.clients import signed_in
from tests.fhir.conftest import TOKEN_URL, assertion, token_form


def post_token(fhir, signed, scope="system/Patient.rs"):
    return fhir.http.post("/fhir/auth/token", token_form(signed, scope))


def test_a_good_rs384_assertion_gets_a_short_lived_token(fhir):
    response = post_token(fhir, assertion(fhir.client.client_id, fhir.key))
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["scope"] == "system/Patient.rs"
    assert 0 < body["expires_in"] <= 300
    assert "no-store" in response["Cache-Control"]


def test_an_es384_assertion_is_accepted_too(fhir, ec_key):
    signed = assertion(fhir.client.client_id, ec_key, alg="ES384")
    assert post_token(fhir, signed).status_code == 200


def test_tokens_are_stored_only_as_their_digest(fhir):
    token = post_token(fhir, assertion(fhir.client.client_id, fhir.key)).json()["access_token"]
    stored = AccessToken.objects.get(client=fhir.client)
    assert stored.digest == hashlib.sha256(token.encode()).hexdigest()
    assert not AccessToken.objects.filter(digest=token).exists()


def test_an_expired_assertion_is_refused(fhir):
    signed = assertion(fhir.client.client_id, fhir.key, lifetime=-10)
    response = post_token(fhir, signed)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_an_assertion_valid_for_too_long_is_refused(fhir):
    signed = assertion(fhir.client.client_id, fhir.key, lifetime=3600)
    assert post_token(fhir, signed).status_code == 401


def test_an_assertion_for_another_audience_is_refused(fhir):
    signed = assertion(fhir.client.client_id, fhir.key, aud="https://elsewhere.example/token")
    response = post_token(fhir, signed)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_a_replayed_assertion_is_refused(fhir):
    signed = assertion(fhir.client.client_id, fhir.key, jti="once-only")
    assert post_token(fhir, signed).status_code == 200
    replay = post_token(fhir, signed)
    assert replay.status_code == 401
    assert "already used" in replay.json()["error_description"]
    same_jti = assertion(fhir.client.client_id, fhir.key, jti="once-only")
    assert post_token(fhir, same_jti).status_code == 401


def test_an_assertion_signed_with_another_key_is_refused(fhir, other_key):
    response = post_token(fhir, assertion(fhir.client.client_id, other_key))
    assert response.status_code == 401
    assert AuditEvent.objects.filter(
        action="login_failed", actor_label=fhir.client.get_username()
    ).exists()


def test_iss_and_sub_must_be_the_client(fhir):
    signed = assertion(fhir.client.client_id, fhir.key, sub="someone-else")
    assert post_token(fhir, signed).status_code == 401


def test_an_unknown_client_and_a_wrong_grant_type_are_refused(fhir):
    assert post_token(fhir, assertion("nobody", fhir.key)).status_code == 401
    form = token_form(assertion(fhir.client.client_id, fhir.key)) | {"grant_type": "password"}
    response = fhir.http.post("/fhir/auth/token", form)
    assert (response.status_code, response.json()["error"]) == (400, "unsupported_grant_type")


def test_scopes_are_narrowed_to_the_registration(fhir, personas, rsa_key):
    limited = services.api_client_register(
        actor=personas.admin,
        name="Kiosk",
        clinic=personas.clinic,
        scope_text="system/Questionnaire.read",
        jwks=fhir.client.jwks,
    )
    signed = assertion(limited.client_id, rsa_key)
    response = post_token(fhir, signed, "system/Questionnaire.rs system/Patient.rs")
    assert response.json()["scope"] == "system/Questionnaire.rs"  # v1 .read = v2 .rs
    refused = post_token(fhir, assertion(limited.client_id, rsa_key), "system/Patient.rs")
    assert (refused.status_code, refused.json()["error"]) == (400, "invalid_scope")


def test_a_client_without_the_scope_gets_403_operation_outcome(fhir, personas):
    token = fhir.token("system/Questionnaire.rs")
    response = fhir.get("/fhir/Patient", token)
    assert response.status_code == 403
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["code"] == "forbidden"
    assert "system/Patient" in outcome["issue"][0]["diagnostics"]


def test_a_revoked_client_gets_401_at_once(fhir, personas):
    token = fhir.token()
    assert fhir.get(f"/fhir/Patient/{personas.patient.pk}", token).status_code == 200
    services.api_client_revoke(actor=personas.admin, client=fhir.client)
    response = fhir.get(f"/fhir/Patient/{personas.patient.pk}", token)
    assert response.status_code == 401
    assert response.json()["resourceType"] == "OperationOutcome"
    assert post_token(fhir, assertion(fhir.client.client_id, fhir.key)).status_code == 401


def test_an_expired_token_gets_401(fhir, personas):
    token = fhir.token()
    with _later(301):
        response = fhir.get(f"/fhir/Patient/{personas.patient.pk}", token)
    assert response.status_code == 401


def _later(seconds):
    import datetime

    return time_machine.travel(
        datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(seconds=seconds)
    )


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer nonsense", "Basic dXNlcjpwYXNz"])
def test_requests_without_a_valid_token_get_401(fhir, personas, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = fhir.http.get(f"/fhir/Patient/{personas.patient.pk}", **extra)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["resourceType"] == "OperationOutcome"


def test_a_staff_session_does_not_reach_the_api(fhir, personas):
    staff = signed_in(personas.clinician)
    response = staff.get(f"/fhir/Patient/{personas.patient.pk}")
    assert response.status_code == 401
    assert AuditEvent.objects.filter(actor=personas.clinician, outcome="denied").exists()


def test_token_and_refusals_are_in_the_audit_trail_as_the_client(fhir):
    fhir.token()
    entry = AuditEvent.objects.filter(action="login").latest("sequence")
    assert entry.actor_label == fhir.client.get_username()
    assert entry.actor_id is None


def test_the_smart_configuration_is_public(fhir):
    response = fhir.http.get("/fhir/.well-known/smart-configuration")
    body = response.json()
    assert body["token_endpoint"] == TOKEN_URL
    assert body["token_endpoint_auth_signing_alg_values_supported"] == ["RS384", "ES384"]
    assert "client-confidential-asymmetric" in body["capabilities"]
