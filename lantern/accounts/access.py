"""Who is asking: the signed-in staff member behind a request."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from lantern.accounts.models import User
from lantern.audit.models import Action, Outcome
from lantern.audit.services import audit_record

View = Callable[..., HttpResponse]


def staff_user(request: HttpRequest) -> User:
    """The signed-in staff member; views behind ``login_required`` always have one."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def role_required(*roles: str) -> Callable[[View], View]:
    """Signed-in staff with one of ``roles``; others get 403 and a denied audit entry."""

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = staff_user(request)
            if not user.is_active or user.role not in roles:
                audit_record(
                    action=Action.READ,
                    request=request,
                    outcome=Outcome.DENIED,
                    detail=f"role may not open {request.path_info[:150]}",
                )
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def refused_as_not_found(request: HttpRequest, detail: str, patient_id: Any = None) -> Http404:
    """Audit a refused attempt and return the 404 to raise (never confirm what exists)."""
    audit_record(
        action=Action.READ,
        request=request,
        outcome=Outcome.DENIED,
        patient_id=patient_id,
        detail=detail[:200],
    )
    return Http404()
