"""Registering and revoking API clients: administrators' permission changes, audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lantern.accounts.models import Clinic, User
from lantern.audit.models import Action
from lantern.audit.services import audit_record
from lantern.fhir import scopes, smart
from lantern.fhir.models import AccessToken, ApiClient, Disclosure


class ClientError(Exception):
    """A registration that cannot be made; the message is safe to show."""


def _checked_scopes(text: str) -> str:
    try:
        found = scopes.validate(text.split())
    except scopes.ScopeError as error:
        raise ClientError(_("Not a SMART system scope: %(error)s") % {"error": error}) from None
    if not found:
        raise ClientError(_("Give the client at least one scope."))
    return " ".join(dict.fromkeys(found))


def _checked_jwks(jwks: Any) -> Any:
    try:
        smart.check_jwks(jwks)
    except ValueError as error:
        raise ClientError(
            _("The public keys cannot be used: %(error)s") % {"error": error}
        ) from None
    return jwks


@transaction.atomic
def api_client_register(
    *,
    actor: User | None,
    name: str,
    clinic: Clinic,
    scope_text: str,
    jwks: Any,
    disclosure: str = Disclosure.PRIMARY_CARE,
) -> ApiClient:
    """Register a system that may use the FHIR API for ``clinic``'s patients."""
    if actor is not None and clinic.health_system_id != actor.health_system_id:
        raise ClientError(_("Choose a clinic of your organisation."))
    client = ApiClient.objects.create(
        name=name.strip(),
        clinic=clinic,
        disclosure=disclosure,
        scopes=_checked_scopes(scope_text),
        jwks=_checked_jwks(jwks),
        created_by=actor,
    )
    audit_record(
        action=Action.PERMISSION_CHANGE,
        actor=actor,
        obj=client,
        detail=f"FHIR client registered for clinic {clinic.pk}: {client.scopes}"[:200],
    )
    return client


@transaction.atomic
def api_client_revoke(*, actor: User | None, client: ApiClient) -> ApiClient:
    """Refuse the client from now on: its tokens stop working on their next request."""
    if client.revoked_at is None:
        client.revoked_at, client.revoked_by = timezone.now(), actor
        client.save(update_fields=["revoked_at", "revoked_by"])
        AccessToken.objects.filter(client=client).delete()
        audit_record(
            action=Action.PERMISSION_CHANGE,
            actor=actor,
            obj=client,
            detail="FHIR client revoked",
        )
    return client
