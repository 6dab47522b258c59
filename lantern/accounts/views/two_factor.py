"""Second-factor pages: verify at sign-in, enrol an authenticator, recovery codes, step-up."""

from __future__ import annotations

import time
from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp import login as otp_login

from lantern.accounts import mfa
from lantern.accounts.access import AuthenticatedHttpRequest
from lantern.accounts.forms import CodeForm, EnrolmentForm
from lantern.accounts.middleware import SIGNED_IN_AT
from lantern.accounts.reauth import reauthentication_required, safe_next, step_up
from lantern.audit.models import Action, Outcome
from lantern.audit.services import audit_record
from lantern.core.http import require_safe, require_safe_or_POST

SHOW_CODES = "lantern_recovery_codes_to_show"


ENROL_WITHIN_SECONDS = 10 * 60


def _password_recent(request: AuthenticatedHttpRequest) -> bool:
    signed_in_at = request.session.get(SIGNED_IN_AT)
    return signed_in_at is not None and time.time() - signed_in_at <= ENROL_WITHIN_SECONDS


def _next_url(request: AuthenticatedHttpRequest) -> str:
    return safe_next(request, request.POST.get("next") or request.GET.get("next") or "")


def _finish_sign_in(request: AuthenticatedHttpRequest, device: Any) -> None:
    request.session.cycle_key()  # a new session id once fully signed in
    otp_login(request, device)
    audit_record(action=Action.LOGIN, request=request, detail="second factor verified")


def _wrong_code_message(wait: int) -> str:
    if wait:
        return ngettext(
            "Too many wrong codes. Wait %(seconds)s second and try again.",
            "Too many wrong codes. Wait %(seconds)s seconds and try again.",
            wait,
        ) % {"seconds": wait}
    return _("That code was not right. Codes change every 30 seconds.")


@login_required
@require_safe_or_POST
def two_factor(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Ask for the authenticator (or a recovery) code after the password."""
    user = request.user
    if not mfa.has_second_factor(user):
        return redirect(reverse("accounts:two_factor_setup") + "?" + request.GET.urlencode())
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = mfa.throttled_for(user)
        device = None if wait else mfa.check_code(user, form.cleaned_data["otp_token"])
        if device is not None:
            _finish_sign_in(request, device)
            return redirect(_next_url(request))
        audit_record(
            action=Action.LOGIN_FAILED,
            request=request,
            outcome=Outcome.FAILED,
            detail="second factor throttled" if wait else "wrong second factor code",
        )
        form.add_error("otp_token", _wrong_code_message(wait))
    return render(request, "accounts/two_factor.html", {"form": form, "next": _next_url(request)})


@login_required
@require_safe_or_POST
def two_factor_setup(request: AuthenticatedHttpRequest) -> HttpResponse:
    """First sign-in: link an authenticator app by QR code, then confirm with a code."""
    user = request.user
    if mfa.has_second_factor(user):
        return redirect(reverse("accounts:two_factor") + "?" + request.GET.urlencode())
    if not _password_recent(request):
        # Enrolling binds an authenticator to the account: only right after the password.
        logout(request)
        return redirect(reverse("accounts:login") + "?" + request.GET.urlencode())
    device = mfa.enrolment_device(user)
    form = EnrolmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = mfa.enrolment_confirm(user, device, form.cleaned_data["otp_token"])
        if codes is not None:
            _finish_sign_in(request, device)
            request.session[SHOW_CODES] = codes
            return redirect(reverse("accounts:recovery_codes") + "?" + request.GET.urlencode())
        form.add_error(
            "otp_token", _("That code was not right. Check the time on your phone and try again.")
        )
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": mfa.qr_svg(device),
            "secret": mfa.secret_for_typing(device),
        },
    )


@login_required
@require_safe
def recovery_codes(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Show freshly made recovery codes once; afterwards they can only be replaced."""
    codes = request.session.pop(SHOW_CODES, None)
    return render(
        request, "accounts/recovery_codes.html", {"codes": codes, "next": _next_url(request)}
    )


@login_required
@require_safe_or_POST
def recovery_codes_replace(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    if request.method != "POST":  # the address reloaded, or its language changed
        return redirect("accounts:recovery_codes")
    return _replace_recovery_codes(request)


@reauthentication_required
def _replace_recovery_codes(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    request.session[SHOW_CODES] = mfa.recovery_codes_replace(user)
    audit_record(action=Action.PERMISSION_CHANGE, request=request, detail="recovery codes replaced")
    messages.success(request, _("New recovery codes made. The old ones no longer work."))
    return redirect("accounts:recovery_codes")


@login_required
@require_safe_or_POST
def confirm_identity(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Step-up: password and code again before break-the-glass, exports or photographs."""
    confirmed, form = step_up(request)
    if confirmed:
        return redirect(_next_url(request))
    return render(request, "accounts/confirm.html", {"form": form, "next": _next_url(request)})
