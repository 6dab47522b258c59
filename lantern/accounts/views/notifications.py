"""Staff read their security notices (e.g. a break-the-glass alert) inside Lantern."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from lantern.accounts.access import staff_user


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    notices = list(user.notifications.all()[:100])
    return render(request, "accounts/notifications.html", {"notices": notices})


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    staff_user(request).notifications.filter(read_at__isnull=True).update(read_at=timezone.now())
    return redirect("accounts:notifications")
