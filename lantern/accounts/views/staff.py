"""Administrators manage staff accounts of their health system. They do not read charts."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from lantern.accounts import lockout, mfa, services
from lantern.accounts.access import AuthenticatedHttpRequest, refused_as_not_found, role_required
from lantern.accounts.forms import NewStaffForm, StaffForm
from lantern.accounts.models import Authenticator, Clinic, Role, User
from lantern.accounts.reauth import ask_to_reauthenticate
from lantern.core.http import require_safe, require_safe_or_POST


def _clinics(admin: User) -> QuerySet[Clinic]:
    return Clinic.objects.filter(health_system=admin.health_system_id)


def _staff_member(request: AuthenticatedHttpRequest, admin: User, user_id: int) -> User:
    user = User.objects.filter(pk=user_id, health_system=admin.health_system_id).first()
    if user is None or admin.health_system_id is None:
        raise refused_as_not_found(request, "staff member of another organisation")
    return user


@role_required(Role.ADMINISTRATOR)
@require_safe
def staff_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    admin = request.user
    staff = list(
        User.objects.filter(health_system=admin.health_system_id)
        .prefetch_related("clinics")
        .order_by("display_name")
    )
    enrolled = set(
        Authenticator.objects.filter(user__in=staff, confirmed=True).values_list(
            "user_id", flat=True
        )
    )
    return render(
        request,
        "accounts/staff_list.html",
        {"staff": staff, "enrolled": enrolled, "locked": lockout.locked_out(staff)},
    )


@role_required(Role.ADMINISTRATOR)
@require_safe_or_POST
def staff_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    admin = request.user
    form = NewStaffForm(request.POST or None, clinics=_clinics(admin))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        user = services.staff_create(
            actor=admin,
            username=data.pop("username"),
            password=data.pop("password"),
            clinics=data.pop("clinics"),
            **data,
        )
        messages.success(request, _("Account created for %(name)s.") % {"name": user.display_name})
        return redirect("accounts:staff_edit", user_id=user.pk)
    return render(request, "accounts/staff_form.html", {"form": form, "member": None})


@role_required(Role.ADMINISTRATOR)
@require_safe_or_POST
def staff_edit(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    admin = request.user
    member = _staff_member(request, admin, user_id)
    form = StaffForm(request.POST or None, instance=member, clinics=_clinics(admin))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        clinics = data.pop("clinics")
        try:
            services.staff_update(actor=admin, user=member, clinics=clinics, **data)
        except services.StaffError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("Changes saved. They apply from the next page the person opens.")
            )
            return redirect("accounts:staff_list")
    return render(
        request,
        "accounts/staff_form.html",
        {
            "form": form,
            "member": member,
            "enrolled": mfa.has_second_factor(member),
            "locked": bool(lockout.locked_out([member])),
        },
    )


@role_required(Role.ADMINISTRATOR)
@require_safe_or_POST
def staff_reset_second_factor(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponseBase:
    admin = request.user
    member = _staff_member(request, admin, user_id)
    if request.method != "POST":  # the address reloaded, or its language changed
        return redirect("accounts:staff_edit", user_id=member.pk)
    # Taking a second factor away opens the account to whoever knows its password: the
    # administrator proves who they are first.
    confirm = ask_to_reauthenticate(request)
    if confirm is not None:
        return confirm
    mfa.second_factor_reset(actor=admin, user=member)
    messages.success(
        request,
        _(
            "Second factor removed. %(name)s sets up a new one and chooses a new password at "
            "next sign-in; they and the privacy officers have been told."
        )
        % {"name": member.display_name},
    )
    return redirect("accounts:staff_edit", user_id=member.pk)


@role_required(Role.ADMINISTRATOR)
@require_safe_or_POST
def staff_unlock(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    admin = request.user
    member = _staff_member(request, admin, user_id)
    if request.method != "POST":  # the address reloaded, or its language changed
        return redirect("accounts:staff_edit", user_id=member.pk)
    services.staff_unlock(actor=admin, user=member)
    messages.success(request, _("Sign-in unlocked for %(name)s.") % {"name": member.display_name})
    return redirect("accounts:staff_edit", user_id=member.pk)
