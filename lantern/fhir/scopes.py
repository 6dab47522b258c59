"""SMART system scopes: parsing, and what a set of granted scopes allows.

SMART App Launch 2.x: ``system/<Type|*>.<permissions>`` where permissions are the letters
``c r u d s`` in that order (create, read, update, delete, search). SMART 1.0's ``.read``
(read and search), ``.write`` (create, update, delete) and ``.*`` are accepted and read as
their 2.x letters. Lantern adds one scope of its own, ``lantern/identity.read``: without it
names and record numbers are never decrypted into a resource.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

IDENTITY = "lantern/identity.read"
ORDER = "cruds"
V1 = {"read": "rs", "write": "cud", "*": "cruds"}
SCOPE = re.compile(r"^system/(?P<type>\*|[A-Z][A-Za-z]{1,63})\.(?P<perms>[a-z*]+)$")


class ScopeError(ValueError):
    """A scope string that is not a SMART system scope Lantern understands."""


@dataclass(frozen=True)
class Scope:
    resource_type: str  # a FHIR type or "*"
    permissions: frozenset[str]

    def allows(self, resource_type: str, permission: str) -> bool:
        return self.resource_type in ("*", resource_type) and permission in self.permissions


def parse(text: str) -> Scope | None:
    """A system scope, ``None`` for Lantern's own scopes; ScopeError when malformed."""
    if text == IDENTITY:
        return None
    match = SCOPE.match(text)
    if match is None:
        raise ScopeError(f"not a SMART system scope: {text[:80]!r}")
    perms = match["perms"]
    letters = V1.get(perms, perms)
    if not letters or any(c not in ORDER for c in letters) or letters != _ordered(letters):
        raise ScopeError(f"permissions must be letters of 'cruds' in that order: {text[:80]!r}")
    return Scope(match["type"], frozenset(letters))


def _ordered(letters: str) -> str:
    return "".join(c for c in ORDER if c in letters)


def validate(scopes: Iterable[str]) -> list[str]:
    """The scopes, each checked; ScopeError names the first malformed one."""
    checked = []
    for text in scopes:
        parse(text)
        checked.append(text)
    return checked


@dataclass(frozen=True)
class Grant:
    """What one access token allows."""

    scopes: tuple[str, ...]

    @classmethod
    def of(cls, text: str) -> Grant:
        return cls(tuple(text.split()))

    @property
    def parsed(self) -> list[Scope]:
        return [scope for scope in map(parse, self.scopes) if scope is not None]

    def allows(self, resource_type: str, permission: str) -> bool:
        return any(scope.allows(resource_type, permission) for scope in self.parsed)

    @property
    def identity(self) -> bool:
        return IDENTITY in self.scopes


def narrowed(requested: Iterable[str], allowed: Iterable[str]) -> list[str]:
    """The requested scopes the client's registration covers (each wholly, or not at all)."""
    allowed_grant = Grant(tuple(allowed))
    granted = []
    for text in requested:
        scope = parse(text)
        if scope is None:
            if text in allowed_grant.scopes:
                granted.append(text)
            continue
        types = [scope.resource_type]
        if all(
            allowed_grant.allows(t, p) if t != "*" else _star_allowed(allowed_grant, p)
            for t in types
            for p in scope.permissions
        ):
            granted.append(text)
    return granted


def _star_allowed(grant: Grant, permission: str) -> bool:
    return any(s.resource_type == "*" and permission in s.permissions for s in grant.parsed)
