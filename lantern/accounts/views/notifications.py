"""Staff read their security notices (e.g. a break-the-glass alert) inside Lantern."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from lantern.accounts.access import AuthenticatedHttpRequest
from lantern.core.http import require_safe, require_safe_or_POST


@login_required
@require_safe
def notifications(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    notices = list(user.notifications.all()[:100])
    return render(request, "accounts/notifications.html", {"notices": notices})


@login_required
@require_safe_or_POST
def notifications_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method != "POST":  # the address reloaded, or its language changed
        return redirect("accounts:notifications")
    request.user.notifications.filter(read_at__isnull=True).update(read_at=timezone.now())
    return redirect("accounts:notifications")
