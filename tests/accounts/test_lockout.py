"""Lockouts by account and address; a whole address only far above normal use; the lockout
table never holds what was typed; administrators see a lockout and lift it."""

from __future__ import annotations

from axes.models import AccessAttempt
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from lantern.accounts import lockout
from lantern.audit.models import AuditEvent
from tests.clients import signed_in
from tests.factories import PASSWORD

KIOSK = "10.20.30.40"


def attempt(address: str, username: str, password: str = "wrong") -> int:  # noqa: S107
    return (
        Client(REMOTE_ADDR=address)
        .post(reverse("accounts:login"), {"username": username, "password": password})
        .status_code
    )


def test_one_person_mistyping_at_a_shared_address_does_not_lock_out_colleagues(personas):
    assert [attempt(KIOSK, "clinician") for _ in range(5)][-1] == 429
    assert attempt(KIOSK, "clinician", PASSWORD) == 429
    assert attempt(KIOSK, "colleague", PASSWORD) == 302
    assert attempt(KIOSK, "auditor", PASSWORD) == 302


def test_an_address_is_paused_only_far_above_normal_use(personas):
    limit = settings.LANTERN_LOCKOUT_ADDRESS_LIMIT
    assert limit >= 20 * settings.AXES_FAILURE_LIMIT
    # Many people mistyping at one kiosk (each below the account limit) stay allowed...
    for number in range(limit - 1):
        attempt(KIOSK, f"guess{number // 3}")
    assert attempt(KIOSK, "colleague", PASSWORD) == 302
    # ...until the address as a whole reaches the limit: then it pauses for everyone.
    attempt(KIOSK, "one-more-guess")
    assert attempt(KIOSK, "auditor", PASSWORD) == 429
    assert attempt("10.20.30.41", "auditor", PASSWORD) == 302


def test_the_lockout_table_keeps_a_keyed_hash_of_what_was_typed_never_the_text(personas):
    typed = "Mypassword-typed-as-username"
    attempt(KIOSK, typed)
    attempt(KIOSK, "clinician")
    stored = set(AccessAttempt.objects.values_list("username", flat=True))
    assert stored == {lockout.username_key(typed), lockout.username_key("clinician")}
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM axes_accessattempt")
        rows = repr(cursor.fetchall()).lower()
    assert typed.lower() not in rows
    assert "clinician" not in rows
    # The same text in another case still meets the same counter.
    assert lockout.username_key(" CLINICIAN ") == lockout.username_key("clinician")


def test_the_staff_page_shows_a_lockout_and_unlocking_lifts_it(personas):
    for _ in range(5):
        attempt(KIOSK, "clinician")
    admin = signed_in(personas.admin)
    listing = admin.get(reverse("accounts:staff_list")).content.decode()
    row = listing.split(personas.clinician.display_name, 1)[1].split("</tr>", 1)[0]
    assert "Locked out" in row
    other = listing.split(personas.colleague.display_name, 1)[1].split("</tr>", 1)[0]
    assert "Locked out" not in other
    page = admin.get(reverse("accounts:staff_edit", args=[personas.clinician.pk])).content.decode()
    assert "Sign-in is paused after too many wrong passwords." in page
    response = admin.post(reverse("accounts:staff_unlock", args=[personas.clinician.pk]))
    assert response.status_code == 302
    assert attempt(KIOSK, "clinician", PASSWORD) == 302
    assert "Locked out" not in admin.get(reverse("accounts:staff_list")).content.decode()
    assert AuditEvent.objects.filter(
        action="permission_change", detail="sign-in lockout lifted"
    ).exists()
    page = admin.get(reverse("accounts:staff_edit", args=[personas.clinician.pk])).content.decode()
    assert "Sign-in is paused" not in page
