from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def lantern(request: HttpRequest) -> dict[str, object]:
    return {"app_name": settings.LANTERN_APP_NAME}
