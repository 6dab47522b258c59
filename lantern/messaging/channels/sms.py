"""Text messages through a provider adapter chosen by ``LANTERN_SMS_BACKEND``.

* ``file`` (the default): each message is appended as one JSON line to a file in the data
  folder, created 0600, for an installation without a provider (and for trying Lantern).
* ``twilio``: Twilio's Programmable Messaging API (``POST /2010-04-01/Accounts/{AccountSid}/
  Messages.json`` with ``To``, ``From`` or ``MessagingServiceSid`` and ``Body``, HTTP basic
  authentication with the account SID and auth token).

An adapter is any object with ``send(*, to, body, key) -> provider id``.
"""

from __future__ import annotations

import base64
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from lantern.core import private_files
from lantern.messaging.channels import PermanentFailure, TemporaryFailure

TIMEOUT = 30
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class SmsBackend(Protocol):
    def send(self, *, to: str, body: str, key: str) -> str: ...


class FileBackend:
    """Appends ``{"at", "to", "body", "key"}`` lines to a private file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, *, to: str, body: str, key: str) -> str:
        private_files.private_directory(self.path.parent)
        private_files.private_file(self.path)
        line = json.dumps(
            {"at": timezone.now().isoformat(), "to": to, "body": body, "key": key},
            ensure_ascii=False,
        )
        with open(self.path, "a", encoding="utf-8") as out:
            out.write(line + "\n")
            out.flush()
            os.fsync(out.fileno())
        return key


class TwilioBackend:
    """Twilio's Messages resource. ``api_url`` is Twilio's unless pointed elsewhere."""

    def __init__(self, *, account_sid: str, auth_token: str, sender: str, api_url: str) -> None:
        self.account_sid, self.auth_token, self.sender = account_sid, auth_token, sender
        self.api_url = api_url.rstrip("/")
        address = urllib.parse.urlsplit(self.api_url)
        loopback = address.scheme == "http" and address.hostname in LOOPBACK
        if address.scheme != "https" and not loopback:
            # Credentials and texts travel only over TLS (plain HTTP to a local test server).
            raise ImproperlyConfigured("LANTERN_TWILIO_API_URL must be an https:// address.")

    def send(self, *, to: str, body: str, key: str) -> str:
        url = f"{self.api_url}/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        sender_field = "MessagingServiceSid" if self.sender.startswith("MG") else "From"
        form = urllib.parse.urlencode({"To": to, sender_field: self.sender, "Body": body})
        credentials = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        request = urllib.request.Request(  # noqa: S310 (https, or a loopback test server)
            url,
            data=form.encode(),
            method="POST",
            headers={
                "Authorization": f"Basic {credentials}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
        )
        try:
            # The scheme was checked above: https, or http to this machine.
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310  # nosec B310
                answer = json.load(response)
        except urllib.error.HTTPError as error:
            raise _failure(error) from None
        except (OSError, ValueError) as error:
            raise TemporaryFailure(type(error).__name__) from None
        return str(answer.get("sid", ""))


def _failure(error: urllib.error.HTTPError) -> TemporaryFailure | PermanentFailure:
    """429 and 5xx may pass; any other refusal (a bad number, an unverified sender) won't."""
    try:
        code = json.load(error).get("code", "")
    except (OSError, ValueError):
        code = ""
    detail = f"Twilio HTTP {error.code} {code}".strip()
    if error.code == 429 or error.code >= 500:
        return TemporaryFailure(detail)
    return PermanentFailure(detail)


def sms_backend() -> SmsBackend:
    if settings.LANTERN_SMS_BACKEND == "twilio":
        return TwilioBackend(
            account_sid=settings.LANTERN_TWILIO_ACCOUNT_SID,
            auth_token=settings.LANTERN_TWILIO_AUTH_TOKEN,
            sender=settings.LANTERN_TWILIO_FROM,
            api_url=settings.LANTERN_TWILIO_API_URL,
        )
    return FileBackend(Path(settings.LANTERN_SMS_FILE))
