"""Signing in (password, then second factor) and out, and the page each role lands on."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from lantern.accounts.access import AuthenticatedHttpRequest
from lantern.accounts.forms import OwnPasswordForm, SignInForm
from lantern.accounts.middleware import SEEN_AT, SIGNED_IN_AT
from lantern.accounts.reauth import safe_next
from lantern.accounts.workspaces import workspace
from lantern.audit.models import Action
from lantern.audit.services import audit_record
from lantern.core.http import require_safe


class SignInView(auth_views.LoginView):
    """The password step. The second factor follows before anything else opens."""

    template_name = "accounts/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        now = time.time()
        self.request.session[SIGNED_IN_AT] = now
        self.request.session[SEEN_AT] = now
        return response

    def get_success_url(self) -> str:
        target = self.get_redirect_url() or reverse("home")
        if getattr(self.request.user, "is_verified", lambda: False)():
            return target
        return reverse("accounts:two_factor") + "?" + urlencode({"next": target})


class SignOutView(auth_views.LogoutView):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's own password; the session stays valid, other sessions end."""

    template_name = "accounts/password_change.html"
    form_class = OwnPasswordForm

    def get_success_url(self) -> str:
        return safe_next(self.request, self.request.GET.get("next", ""))

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        response = super().form_valid(form)
        user = form.user
        if user.must_change_password:
            user.must_change_password = False
            user.save(update_fields=["must_change_password"])
        audit_record(
            action=Action.PERMISSION_CHANGE, request=self.request, detail="password changed"
        )
        messages.success(self.request, _("Password changed."))
        return response


@login_required
@require_safe
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Each role's workspace: the work waiting for them (see ``workspaces``)."""
    return render(request, "accounts/home.html", workspace(request))
