"""Signing in and out, and the page each role lands on."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from lantern.accounts.access import staff_user
from lantern.accounts.forms import SignInForm


class SignInView(auth_views.LoginView):
    template_name = "accounts/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    pass


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Care staff start at patient search; other roles see what their account can do."""
    user = staff_user(request)
    if user.cares_for_patients:
        return redirect("patients:search")
    return render(request, "accounts/home.html", {"clinics": user.clinics.all()})
