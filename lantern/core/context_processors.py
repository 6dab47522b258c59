from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def lantern(request: HttpRequest) -> dict[str, object]:
    context: dict[str, object] = {
        "app_name": settings.LANTERN_APP_NAME,
        # The README promises it: a demo says so on every page and in every title.
        "demo_mode": settings.MODE == "demo",
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and getattr(user, "is_verified", lambda: False)():
        context["unread_notices"] = user.notifications.filter(read_at__isnull=True).count()
    return context
