"""Security notices for staff: in Lantern at once, and by email to staff addresses only.

Nothing here ever writes to a patient's contact details: recipients are staff accounts, and
notices carry no patient name (email is not a safe place for one).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django_tasks import task

from lantern.accounts.models import Notification, Role, User


def privacy_officers_for(clinic_ids: Iterable[int]) -> list[User]:
    """Active privacy officers at any of these clinics."""
    return list(
        User.objects.filter(
            is_active=True, role=Role.PRIVACY_OFFICER, clinics__in=list(clinic_ids)
        ).distinct()
    )


def notify_staff(recipients: Iterable[User], *, subject: str, body: str, link: str = "") -> int:
    """Put a notice in each recipient's Lantern inbox and queue an email to their address."""
    people = list(recipients)
    Notification.objects.bulk_create(
        Notification(recipient=person, subject=subject, body=body, link=link) for person in people
    )
    with_email = [person.pk for person in people if person.email]
    if with_email:
        send_staff_email.enqueue(with_email, subject, body)
    return len(people)


@task()
def send_staff_email(user_ids: list[int], subject: str, body: str) -> int:
    """Background task: email a notice to staff accounts' own addresses."""
    addresses = list(
        User.objects.filter(pk__in=user_ids, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    sent = 0
    for address in addresses:  # one message each: staff never see each other's addresses
        sent += send_mail(
            f"[{settings.LANTERN_APP_NAME}] {subject}", body, None, [address], fail_silently=False
        )
    return sent
