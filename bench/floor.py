"""The bare floor for ``pages.py``: a Django hello view with nothing else, no middleware, no
database, served by the same web server and worker count as Lantern.

What it answers per second is the most a page could reach on this machine in this run:
Lantern's pages are reported as a share of it.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpRequest, HttpResponse
from django.urls import path

settings.configure(
    DEBUG=False,
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    SECRET_KEY=secrets.token_urlsafe(50),
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
    USE_TZ=True,
)


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Hello", content_type="text/plain")


urlpatterns = [path("", hello)]
application = get_wsgi_application()
