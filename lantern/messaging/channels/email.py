"""Email through Django's configured backend (SMTP in production, from the environment)."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from lantern.messaging.channels import PermanentFailure, TemporaryFailure


def send_email(*, to: str, subject: str, body: str, message_id: str, sender: str) -> str:
    """Send one message; ``message_id`` is stable for the outbox row, so a receiving server
    that sees the same message twice (a worker killed between the server's reply and
    recording it) can tell it is a repeat."""
    email = EmailMessage(
        subject, body, sender, [to], headers={"Message-ID": message_id}, connection=None
    )
    try:
        email.connection = get_connection(fail_silently=False, timeout=settings.EMAIL_TIMEOUT)
        email.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as error:
        codes = sorted({code for code, _ in error.recipients.values()})
        raise PermanentFailure(f"SMTPRecipientsRefused {codes[0] if codes else ''}") from None
    except smtplib.SMTPResponseException as error:
        kind = PermanentFailure if 500 <= error.smtp_code < 600 else TemporaryFailure
        raise kind(f"{type(error).__name__} {error.smtp_code}") from None
    except (smtplib.SMTPException, OSError) as error:
        raise TemporaryFailure(type(error).__name__) from None
    return message_id
