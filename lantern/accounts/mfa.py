"""The second factor: TOTP enrolment, verification, recovery codes and step-up checks.

Every staff account must verify a time-based one-time code after its password. Recovery
codes are single-use static tokens, shown once. Codes are checked against one device at a
time so django-otp's throttling (growing delays after wrong codes) applies to each.
"""

from __future__ import annotations

import secrets
import time
from typing import TYPE_CHECKING

import segno
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp import verify_token as otp_verify_token
from django_otp.models import Device
from django_otp.oath import totp

from lantern.accounts.models import Authenticator, RecoveryCode, RecoveryCodes
from lantern.accounts.notifications import notify_staff, privacy_officers_for
from lantern.audit.models import Action
from lantern.audit.services import audit_record

if TYPE_CHECKING:
    from lantern.accounts.models import User

RECOVERY_CODES = 10
# Unambiguous letters and digits only, grouped for reading aloud: "7KQM-4TWX".
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def has_second_factor(user: User) -> bool:
    return bool(Authenticator.objects.filter(user=user, confirmed=True).exists())


def enrolment_device(user: User) -> Authenticator:
    """The unconfirmed authenticator device a user is setting up (created on first visit)."""
    device = Authenticator.objects.filter(user=user, confirmed=False).first()
    return device or Authenticator.objects.create(user=user, name="authenticator", confirmed=False)


def qr_svg(device: Authenticator) -> str:
    """The enrolment QR code as inline SVG, made on the server: no third-party image service."""
    return str(segno.make(device.config_url, error="m").svg_inline(scale=5, border=2))


def secret_for_typing(device: Authenticator) -> str:
    """The key in groups of four base32 characters, for apps that can't scan."""
    from base64 import b32encode

    text = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


@transaction.atomic
def recovery_codes_replace(user: User) -> list[str]:
    """Discard any old recovery codes and create a fresh set, returned once for display."""
    device, _ = RecoveryCodes.objects.get_or_create(
        user=user, name="recovery codes", defaults={"confirmed": True}
    )
    device.codes.all().delete()
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    RecoveryCode.objects.bulk_create(RecoveryCode(device=device, code=code) for code in codes)
    return codes


@transaction.atomic
def enrolment_confirm(user: User, device: Authenticator, code: str) -> list[str] | None:
    """Confirm the authenticator if ``code`` is right; returns the new recovery codes."""
    if device.user_id != user.pk or not device.verify_token(normalise_code(code)):
        return None
    Authenticator.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_record(action=Action.PERMISSION_CHANGE, actor=user, detail="second factor enrolled")
    return recovery_codes_replace(user)


def normalise_code(code: str) -> str:
    cleaned = code.strip().upper().replace(" ", "")
    if len(cleaned) == 8 and "-" not in cleaned and not cleaned.isdigit():
        cleaned = f"{cleaned[:4]}-{cleaned[4:]}"
    return cleaned


def check_code(user: User, code: str) -> Device | None:
    """The device that accepts ``code`` (authenticator first, then a recovery code)."""
    token = normalise_code(code)
    for device in devices_for_user(user):
        if isinstance(device, RecoveryCodes) and token.isdigit():
            continue
        verified = otp_verify_token(user, device.persistent_id, token)
        if verified is not None:
            return verified
    return None


def throttled_for(user: User) -> int:
    """Seconds the user must wait before another code is checked (0 when none)."""
    waits = []
    for device in devices_for_user(user):
        allowed, data = device.verify_is_allowed()
        if not allowed and data and data.get("locked_until"):
            waits.append(int(data["locked_until"].timestamp() - time.time()) + 1)
    return max(waits, default=0)


@transaction.atomic
def second_factor_reset(*, actor: User, user: User) -> None:
    """An administrator removes a lost authenticator; the user enrols again at next sign-in.

    Whoever signs in next also has to choose a new password, so an administrator who knows
    (or set) the old one cannot take the account over by enrolling their own authenticator;
    the person and the privacy officers of their clinics are told at once.
    """
    Authenticator.objects.filter(user=user).delete()
    RecoveryCodes.objects.filter(user=user).delete()
    user.must_change_password = True
    user.save(update_fields=["must_change_password"])
    # An open session must not be able to enrol a new authenticator without the password.
    user.sign_out_everywhere()
    audit_record(
        action=Action.PERMISSION_CHANGE,
        actor=actor,
        detail=f"second factor reset for user {user.pk}",
    )
    _alert_second_factor_reset(actor=actor, user=user)


def _alert_second_factor_reset(*, actor: User, user: User) -> None:
    when = f"{timezone.localtime():%Y-%m-%d %H:%M}"
    notify_staff(
        [user],
        subject=_("Your second factor was reset"),
        body=_(
            "An administrator, %(admin)s, removed the authenticator from your account at "
            "%(time)s. At your next sign-in you set up a new one and choose a new password. "
            "If you did not ask for this, tell your privacy officer."
        )
        % {"admin": actor.display_name, "time": when},
    )
    officers = [
        officer
        for officer in privacy_officers_for(user.clinics.values_list("pk", flat=True))
        if officer.pk != user.pk
    ]
    notify_staff(
        officers,
        subject=_("A second factor was reset"),
        body=_(
            "%(admin)s (%(admin_username)s) reset the second factor of %(user)s "
            "(%(username)s) at %(time)s. %(user)s must choose a new password at the next "
            "sign-in."
        )
        % {
            "admin": actor.display_name,
            "admin_username": actor.username,
            "user": user.display_name,
            "username": user.username,
            "time": when,
        },
    )


def current_code(user: User) -> str | None:
    """The authenticator code valid now (demo mode only: see the ``totp`` command)."""
    device = Authenticator.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return None
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{code:0{device.digits}d}"


@transaction.atomic
def demo_enrol(user: User) -> Authenticator:
    """Give a demo account a confirmed authenticator so a newcomer can sign in with
    ``lantern totp USER``. Never used outside demo mode."""
    device = Authenticator.objects.filter(user=user, confirmed=True).first()
    return device or Authenticator.objects.create(
        user=user, name="demo authenticator", confirmed=True
    )
