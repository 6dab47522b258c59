"""Staff administration: creating accounts and changing what they may do.

Every change is a permission change in the audit trail and takes effect on the staff
member's next request, because access is worked out from the database each time.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from lantern.accounts import lockout
from lantern.accounts.models import Clinic, Role, User
from lantern.audit.models import Action
from lantern.audit.services import audit_record

EDITABLE = ("display_name", "email", "role", "clinician_type", "clinical_lead", "is_active")


class StaffError(Exception):
    """A staff change that cannot be made; the message is safe to show."""


# Changes to these are recorded as "changed", not with their values: an email address is
# where security notices go, and a name is personal data.
UNQUOTED = frozenset({"display_name", "email"})


def _describe(before: dict[str, Any], after: dict[str, Any]) -> str:
    changed = [
        f"{name} changed" if name in UNQUOTED else f"{name}: {before[name]!s}->{after[name]!s}"
        for name in before
        if before[name] != after[name]
    ]
    return "; ".join(changed)


def _state(user: User) -> dict[str, Any]:
    state = {name: getattr(user, name) for name in EDITABLE}
    state["clinics"] = sorted(user.clinics.values_list("pk", flat=True))
    return state


@transaction.atomic
def staff_create(
    *, actor: User, username: str, password: str, clinics: Iterable[Clinic], **fields: Any
) -> User:
    user = User(username=username, health_system_id=actor.health_system_id, **fields)
    if user.role != Role.CLINICIAN:
        user.clinician_type, user.clinical_lead = "", False
    user.set_password(password)
    user.must_change_password = True  # the administrator knows this one
    user.save()
    user.clinics.set(list(clinics))
    audit_record(
        action=Action.PERMISSION_CHANGE,
        actor=actor,
        obj=user,
        detail=f"account created: role {user.role}, clinics {_state(user)['clinics']}",
    )
    return user


@transaction.atomic
def staff_update(*, actor: User, user: User, clinics: Iterable[Clinic], **fields: Any) -> User:
    if user.pk == actor.pk and (
        fields.get("role", Role.ADMINISTRATOR) != Role.ADMINISTRATOR
        or not fields.get("is_active", True)
    ):
        raise StaffError(_("You cannot remove your own administrator access."))
    before = _state(User.objects.get(pk=user.pk))  # as stored: a form may have changed ``user``
    for name, value in fields.items():
        setattr(user, name, value)
    if user.role != Role.CLINICIAN:
        user.clinician_type, user.clinical_lead = "", False
    user.save()
    user.clinics.set(list(clinics))
    change = _describe(before, _state(user))
    if change:
        audit_record(action=Action.PERMISSION_CHANGE, actor=actor, obj=user, detail=change)
    return user


def staff_unlock(*, actor: User, user: User) -> int:
    """Lift this account's sign-in lockout at every address (an address-wide pause stays)."""
    cleared = lockout.unlock(user)
    audit_record(
        action=Action.PERMISSION_CHANGE, actor=actor, obj=user, detail="sign-in lockout lifted"
    )
    return cleared


@transaction.atomic
def chart_grants_set(*, actor: User, clinic: Clinic, role: str, sections: Iterable[str]) -> None:
    """What ``clinic`` opens of the chart to ``role`` beyond the permission table: exactly
    ``sections`` (only advocates and counselors, only the grantable sections)."""
    from lantern.accounts.chart_access import GRANTABLE, GRANTABLE_ROLES
    from lantern.accounts.models import ChartGrant

    wanted = set(sections)
    if role not in GRANTABLE_ROLES or not wanted <= GRANTABLE:
        raise StaffError(_("That part of the chart cannot be opened to that role."))
    current = set(
        ChartGrant.objects.filter(clinic=clinic, role=role).values_list("section", flat=True)
    )
    if wanted == current:
        return
    ChartGrant.objects.filter(clinic=clinic, role=role).exclude(section__in=wanted).delete()
    ChartGrant.objects.bulk_create(
        ChartGrant(clinic=clinic, role=role, section=section, granted_by=actor)
        for section in sorted(wanted - current)
    )
    audit_record(
        action=Action.PERMISSION_CHANGE,
        actor=actor,
        obj=clinic,
        detail=f"chart grants for {role}: {', '.join(sorted(wanted)) or 'none'}",
    )
