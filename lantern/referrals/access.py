"""Who may use the directory, and the one path by which views reach its records.

Care staff (clinicians, advocates, counselors) and administrators search and read their
health system's directory; administrators and advocates maintain it. A record of another
health system's directory answers 404 and leaves a denied audit entry, like a patient
outside one's care teams. Directory pages hold no patient data, so reads are not audited;
searches and every change are.
"""

from __future__ import annotations

from typing import Any, TypeVar
from uuid import UUID

from django.db.models import Model

from lantern.accounts.access import AuthenticatedHttpRequest, refused_as_not_found, role_required
from lantern.accounts.models import CARE_ROLES, Role, User

READERS = frozenset({*CARE_ROLES, Role.ADMINISTRATOR})
MAINTAINERS = frozenset({Role.ADMINISTRATOR, Role.ADVOCATE})

directory_readers = role_required(*READERS)
directory_maintainers = role_required(*MAINTAINERS)

Found = TypeVar("Found", bound=Model)


def may_maintain(user: User) -> bool:
    return user.is_active and user.role in MAINTAINERS


def directory_record(request: AuthenticatedHttpRequest, model: type[Found], hsds_id: UUID) -> Found:
    """The record of the user's own directory with this HSDS id; otherwise 404, audited."""
    user = request.user
    manager: Any = model._default_manager
    found = manager.in_directory(user.health_system_id).filter(hsds_id=hsds_id).first()
    if found is None:
        raise refused_as_not_found(request, f"no {model._meta.model_name} in the user's directory")
    return found  # type: ignore[no-any-return]
