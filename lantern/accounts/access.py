"""Who is asking: the signed-in staff member behind a request."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from lantern.accounts.models import User


def staff_user(request: HttpRequest) -> User:
    """The signed-in staff member; views behind ``login_required`` always have one."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user
