"""Administrators register and revoke API clients on a staff page and with ``lantern fhir``."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from lantern.audit.models import AuditEvent
from lantern.fhir.models import ApiClient, new_client_id
from tests.fhir.conftest import assertion, public_jwks, token_form


def form(personas, rsa_key, **overrides):
    data = {
        "name": "Harbor EHR",
        "clinic": personas.clinic.pk,
        "disclosure": "disclose_primary_care",
        "scopes": ["system/Patient.rs", "system/Observation.rs"],
        "jwks": json.dumps(public_jwks(rsa_key)),
    }
    return data | overrides


def test_an_administrator_registers_a_client_that_can_then_get_a_token(
    personas, client_for, rsa_key
):
    admin = client_for(personas.admin)
    response = admin.post(reverse("api_clients:new"), form(personas, rsa_key))
    assert response.status_code == 302
    client = ApiClient.objects.get(name="Harbor EHR")
    assert client.scopes == "system/Patient.rs system/Observation.rs"
    listing = admin.get(reverse("api_clients:list"))
    assert client.client_id in listing.content.decode()
    token = admin.post(
        "/fhir/auth/token", token_form(assertion(client.client_id, rsa_key), "system/Patient.rs")
    )
    assert token.status_code == 200
    assert AuditEvent.objects.filter(
        action="permission_change", actor=personas.admin, object_id=str(client.pk)
    ).exists()


def test_a_private_key_or_bad_json_is_refused(personas, client_for, rsa_key):
    admin = client_for(personas.admin)
    private = json.dumps(rsa_key.as_dict(private=True) | {})
    response = admin.post(
        reverse("api_clients:new"),
        form(personas, rsa_key, jwks=json.dumps({"keys": [json.loads(private)]})),
    )
    assert response.status_code == 200
    assert "private key" in response.content.decode()
    response = admin.post(reverse("api_clients:new"), form(personas, rsa_key, jwks="{not json"))
    assert response.status_code == 200
    assert not ApiClient.objects.exists()


def test_a_clinic_of_another_organisation_cannot_be_chosen(personas, client_for, rsa_key):
    admin = client_for(personas.admin)
    response = admin.post(
        reverse("api_clients:new"), form(personas, rsa_key, clinic=personas.other_clinic.pk)
    )
    assert response.status_code == 200
    assert not ApiClient.objects.exists()


def test_revoking_on_the_page(personas, client_for, fhir):
    admin = client_for(personas.admin)
    response = admin.post(reverse("api_clients:revoke", args=[fhir.client.pk]))
    assert response.status_code == 302
    fhir.client.refresh_from_db()
    assert not fhir.client.is_active


def test_client_ids_can_always_be_typed_after_the_revoke_command():
    ids = {new_client_id() for _ in range(2000)}
    assert len(ids) == 2000
    assert not [i for i in ids if i.startswith("-") or not re.fullmatch(r"[0-9a-f]{32}", i)]


def test_the_operator_command_registers_lists_and_revokes(personas, tmp_path, rsa_key):
    keys = tmp_path / "jwks.json"
    keys.write_text(json.dumps(public_jwks(rsa_key)))
    out = io.StringIO()
    call_command(
        "fhir",
        "register",
        "--name",
        "Kiosk",
        "--clinic-id",
        str(personas.clinic.pk),
        "--scopes",
        "system/Questionnaire.rs system/QuestionnaireResponse.c",
        "--jwks",
        str(keys),
        stdout=out,
    )
    client_id = out.getvalue().strip()
    listing = io.StringIO()
    call_command("fhir", "clients", stdout=listing)
    assert client_id in listing.getvalue()
    assert "active" in listing.getvalue()
    call_command("fhir", "revoke", client_id, stdout=io.StringIO())
    assert not ApiClient.objects.get(client_id=client_id).is_active
    with pytest.raises(CommandError):
        call_command(
            "fhir",
            "register",
            "--name",
            "X",
            "--clinic-id",
            "999999",
            "--scopes",
            "system/Patient.rs",
            "--jwks",
            str(keys),
        )
    with pytest.raises(CommandError, match="SMART"):
        call_command(
            "fhir",
            "register",
            "--name",
            "X",
            "--clinic-id",
            str(personas.clinic.pk),
            "--scopes",
            "patient/*.read",
            "--jwks",
            str(keys),
        )
