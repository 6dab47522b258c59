"""Test clients signed in the way Lantern requires: password and second factor."""

from __future__ import annotations

import time

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from lantern.accounts.middleware import SEEN_AT, SIGNED_IN_AT
from lantern.accounts.models import User
from lantern.accounts.reauth import REAUTHENTICATED_AT
from tests.factories import authenticator


def signed_in(
    user: User, *, second_factor: bool = True, enforce_csrf_checks: bool = False
) -> Client:
    """A client signed in as ``user``, past the second factor unless told otherwise."""
    client = Client(enforce_csrf_checks=enforce_csrf_checks)
    client.force_login(user)
    session = client.session
    session[SIGNED_IN_AT] = session[SEEN_AT] = time.time()
    session.save()
    if second_factor:
        device = authenticator(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def stepped_up(user: User) -> Client:
    """A signed-in client that has just re-confirmed its identity (step-up)."""
    client = signed_in(user)
    session = client.session
    session[REAUTHENTICATED_AT] = time.time()
    session.save()
    return client
