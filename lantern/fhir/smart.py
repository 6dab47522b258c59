"""SMART Backend Services: the token endpoint's checks, and bearer tokens on every request.

A client proves who it is with a JWT it signed with its private key (``private_key_jwt``,
RS384 or ES384), checked with the public keys (JWKS) an administrator registered for it.
Signatures are verified by ``joserfc``; Lantern only decides which keys, algorithms and
claims it accepts:

* ``iss`` and ``sub`` are the client id, ``aud`` is this token endpoint's URL;
* ``exp`` is in the future and at most five minutes away; ``jti`` was never used before
  (kept until the assertion would have expired, so a copy cannot be replayed).

The access token handed back is random, lives a few minutes, and is stored only as its
SHA-256 digest. Revoking a client refuses its tokens at once.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jws import extract_compact

from lantern.audit.models import Action, Outcome
from lantern.audit.services import audit_record
from lantern.core import json_input
from lantern.fhir import scopes
from lantern.fhir.models import AccessToken, ApiClient, SpentAssertion
from lantern.fhir.outcomes import unauthorized

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ALGORITHMS = ("RS384", "ES384")
MAX_ASSERTION_SECONDS = 300


class TokenError(Exception):
    """An OAuth 2.0 error response (RFC 6749 section 5.2); the text is safe to send."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


@dataclass(frozen=True)
class Issued:
    access_token: str
    expires_in: int
    scope: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "token_type": "bearer",
            "expires_in": self.expires_in,
            "scope": self.scope,
        }


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_jwks(jwks: Any) -> KeySet:
    """The public key set, refused if it holds a private key or a key Lantern cannot use."""
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list) or not jwks["keys"]:
        raise ValueError("a JWKS is a JSON object with a non-empty 'keys' list")
    for key in jwks["keys"]:
        if not isinstance(key, dict) or key.get("kty") not in ("RSA", "EC"):
            raise ValueError("each key must be an RSA or EC public key")
        if any(private in key for private in ("d", "p", "q", "dp", "dq", "qi")):
            raise ValueError("the key set holds a private key: register the public keys only")
    try:
        return KeySet.import_key_set(jwks)  # type: ignore[arg-type]  # checked above
    except (JoseError, ValueError, TypeError) as error:
        raise ValueError(f"the key set cannot be read: {type(error).__name__}") from None


def _client_of(assertion: str) -> ApiClient:
    """The client the assertion claims to come from (not yet verified)."""
    try:
        claims = json_input.loads(extract_compact(assertion.encode("ascii")).payload)
    except (JoseError, ValueError, UnicodeError, TypeError):  # JsonInputError is a ValueError
        raise TokenError("invalid_client", "The client assertion is not a JWT.", 401) from None
    issuer = claims.get("iss") if isinstance(claims, dict) else None
    client = (
        ApiClient.objects.active().select_related("clinic").filter(client_id=issuer).first()
        if isinstance(issuer, str)
        else None
    )
    if client is None:
        raise TokenError("invalid_client", "Unknown or revoked client.", 401)
    return client


def _verified_claims(client: ApiClient, assertion: str, token_url: str) -> dict[str, Any]:
    try:
        keys = check_jwks(client.jwks)
        token = jwt.decode(assertion, keys, algorithms=list(ALGORITHMS))
        registry = jwt.JWTClaimsRegistry(
            now=lambda: int(time.time()),
            iss={"essential": True, "value": client.client_id},
            sub={"essential": True, "value": client.client_id},
            aud={"essential": True, "value": token_url},
            exp={"essential": True},
            jti={"essential": True},
        )
        registry.validate(token.claims)
    except (JoseError, ValueError):
        raise TokenError("invalid_client", "The client assertion was refused.", 401) from None
    claims: dict[str, Any] = token.claims
    if claims["exp"] > time.time() + MAX_ASSERTION_SECONDS:
        raise TokenError(
            "invalid_client", "The client assertion may be valid for five minutes at most.", 401
        )
    if not isinstance(claims["jti"], str) or not 0 < len(claims["jti"]) <= 200:
        raise TokenError("invalid_client", "The client assertion's jti is not usable.", 401)
    return claims


def _spend(client: ApiClient, claims: Mapping[str, Any]) -> None:
    expires = datetime.datetime.fromtimestamp(claims["exp"], tz=datetime.UTC)
    try:
        with transaction.atomic():
            SpentAssertion.objects.create(client=client, jti=claims["jti"], expires_at=expires)
    except IntegrityError:
        raise TokenError("invalid_client", "This client assertion was already used.", 401) from None


def token_issue(*, form: Mapping[str, str], token_url: str, request: HttpRequest) -> Issued:
    """Check a client-credentials request and hand out an access token."""
    client = None
    try:
        if form.get("grant_type") != "client_credentials":
            raise TokenError("unsupported_grant_type", "Use grant_type=client_credentials.")
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            raise TokenError(
                "invalid_client", "Authenticate with a private_key_jwt assertion.", 401
            )
        client = _client_of(form.get("client_assertion", ""))
        claims = _verified_claims(client, form.get("client_assertion", ""), token_url)
        _spend(client, claims)
        granted = _granted(client, form.get("scope", ""))
    except TokenError as error:
        audit_record(
            action=Action.LOGIN_FAILED,
            request=request,
            actor=client,
            outcome=Outcome.FAILED,
            detail=f"FHIR token refused: {error.error}",
        )
        raise
    return _issue(client, granted, request)


def _granted(client: ApiClient, requested: str) -> list[str]:
    try:
        wanted = scopes.validate(requested.split())
    except scopes.ScopeError:
        raise TokenError(
            "invalid_scope", "A requested scope is not a SMART system scope."
        ) from None
    granted = scopes.narrowed(wanted, client.allowed_scopes)
    if not granted:
        raise TokenError("invalid_scope", "None of the requested scopes is allowed to this client.")
    return granted


@transaction.atomic
def _issue(client: ApiClient, granted: list[str], request: HttpRequest) -> Issued:
    now = timezone.now()
    AccessToken.objects.filter(expires_at__lt=now).delete()
    SpentAssertion.objects.filter(expires_at__lt=now).delete()
    lifetime = settings.LANTERN_FHIR_TOKEN_SECONDS
    token = secrets.token_urlsafe(32)
    scope = " ".join(granted)
    AccessToken.objects.create(
        client=client,
        digest=digest(token),
        scopes=scope,
        issued_at=now,
        expires_at=now + datetime.timedelta(seconds=lifetime),
    )
    audit_record(
        action=Action.LOGIN,
        request=request,
        actor=client,
        detail=f"FHIR access token issued: {scope}"[:200],
    )
    return Issued(token, lifetime, scope)


def bearer(request: HttpRequest) -> tuple[ApiClient, scopes.Grant]:
    """The client and grant of the request's bearer token; 401 OperationOutcome otherwise."""
    header = request.headers.get("Authorization", "")
    kind, _, token = header.partition(" ")
    if kind.lower() != "bearer" or not token.strip():
        raise unauthorized()
    found = (
        AccessToken.objects.select_related("client", "client__clinic")
        .filter(digest=digest(token.strip()), expires_at__gt=timezone.now())
        .first()
    )
    if found is None or not found.client.is_active:
        raise unauthorized("The access token is not valid: it expired, or its client was revoked.")
    return found.client, scopes.Grant.of(found.scopes)
