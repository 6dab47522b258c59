"""Who is asking, whether their role lets them in, and how a refusal is recorded.

Every refusal leaves a denied entry in the audit trail, recorded as the action that was
attempted (a read for GET, an update for anything that would change data). Record-level
refusals answer 404, never "forbidden", which would confirm that the record exists.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from lantern.accounts.models import Role, User
from lantern.audit.models import Action, Category, Outcome
from lantern.audit.services import audit_record

View = Callable[..., HttpResponseBase]


class AuthenticatedHttpRequest(HttpRequest):
    """The request a view behind ``login_required`` or ``role_required`` receives: its user is
    a signed-in member of staff. For type checking only; Django builds every request."""

    user: User


def audit_refusal(
    request: HttpRequest,
    detail: str,
    *,
    patient_id: Any = None,
    category: Category = Category.NONE,
) -> None:
    attempted = Action.READ if request.method in ("GET", "HEAD") else Action.UPDATE
    audit_record(
        action=attempted,
        request=request,
        patient_id=patient_id,
        category=category,
        outcome=Outcome.DENIED,
        detail=detail,
    )


def refused_as_not_found(
    request: HttpRequest,
    detail: str,
    patient_id: Any = None,
    *,
    category: Category = Category.NONE,
) -> Http404:
    """Audit a refused attempt and return the 404 to raise."""
    audit_refusal(request, detail, patient_id=patient_id, category=category)
    return Http404()


def role_required(*roles: str, category: Category = Category.NONE) -> Callable[[View], View]:
    """Signed-in, active staff with one of ``roles``; others get 403 and a denied entry."""

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = request.user
            if not isinstance(user, User) or not user.is_active or user.role not in roles:
                audit_refusal(
                    request,
                    f"role may not open {request.path_info[:150]}",
                    patient_id=kwargs.get("patient_id"),
                    category=category,
                )
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


# Privacy officers only; refusals are recorded under the audit trail's own category.
privacy_officer_required = role_required(Role.PRIVACY_OFFICER, category=Category.AUDIT)
