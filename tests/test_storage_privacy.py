"""A database dump, a backup or the logs alone never reveal who a patient is."""

from __future__ import annotations

import logging
import shutil
import sqlite3
import subprocess
import unicodedata
from base64 import b32encode

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from lantern.accounts import mfa
from lantern.encounters import services as encounter_services
from lantern.patients import services
from lantern.patients.choices import ContactChannelKind
from tests.factories import authenticator, make_patient

PLANTED = {
    "preferred_name": "Quetzalli Brightwater",
    "legal_name": "Xochitl Quetzalli Brightwater-Añorve",
    "alias": "Zinniaflower",
    "mrn": "PLANTED-774411",
    "phone": "+1 555 0199 4477",
    "code_word": "bluebirdlantern",
    "wording": "Reminder from Dr. Marigoldsmith",
    "notes": "Ondinebell picks up calls",
    "gender_words": "Sparrowfeather two-spirit",
    "pronouns": "zir/zirself-Kestrelwyn",
    "injury_size": "Wrenfieldmark 4x7",
    "injury_note": "Brackenwhistle Quillonmark",
    "typed_username": "Larkspurlantern-typed-here",
}


def needles() -> set[str]:
    """Every planted value, whole and word by word, in the case forms a dump might hold.

    Words that are only digits are left out: sealed values and 64-bit search tokens are
    long strings of random characters, in which any short run of digits turns up by chance.
    """
    found: set[str] = set()
    for value in PLANTED.values():
        words = [
            value,
            value.replace("-", ""),
            *(w for w in value.replace("-", " ").split() if len(w) >= 6 and not w.isdigit()),
        ]
        for word in words:
            bare = "".join(
                c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c)
            )
            found |= {word.lower(), bare.lower()}
    found.discard("reminder")
    return found


def plant(personas) -> set[str]:
    """Plant a patient, an injury, a second factor and a mistyped sign-in; returns the
    secrets that exist only at run time (the authenticator's key, as hex and base32, and
    the recovery codes)."""
    patient = make_patient(
        actor=personas.clinician,
        clinic=personas.clinic,
        preferred_name=PLANTED["preferred_name"],
        legal_name=PLANTED["legal_name"],
        aliases=((PLANTED["alias"], "street"),),
        mrn=PLANTED["mrn"],
        gender_identity="self_described",
        gender_identity_detail=PLANTED["gender_words"],
        pronouns=PLANTED["pronouns"],
    )
    services.contact_plan_update(
        actor=personas.clinician,
        patient=patient,
        do_not_contact=False,
        notes=PLANTED["notes"],
        confirmed_at=None,
    )
    services.contact_channel_update(
        actor=personas.clinician,
        patient=patient,
        channel=ContactChannelKind.SMS,
        values={
            "safety": "safe",
            "destination": PLANTED["phone"],
            "time_windows": [],
            "voicemail_allowed": False,
            "code_word": PLANTED["code_word"],
            "approved_wording": PLANTED["wording"],
            "confirmed_at": None,
        },
    )
    plant_injury(personas, patient)
    Client().post(
        reverse("accounts:login"), {"username": PLANTED["typed_username"], "password": "x"}
    )
    device = authenticator(personas.clinician)
    recovery = mfa.recovery_codes_replace(personas.clinician)
    return {device.key.lower(), b32encode(device.bin_key).decode().lower()} | {
        code.lower() for code in recovery
    }


def plant_injury(personas, patient) -> None:
    visit = encounter_services.encounter_start(
        actor=personas.clinician,
        patient=patient,
        clinic=personas.clinic,
        kind="clinic",
        companion="came_alone",
        interpreter="not_needed",
    )
    encounter_services.consent_record(
        actor=personas.clinician,
        patient=patient,
        encounter=visit,
        scope="general_exam",
        status="given",
        method="verbal",
        recipient="",
    )
    encounter_services.injury_record(
        actor=personas.clinician,
        encounter=visit,
        side="front",
        region="left_arm",
        kind="bruise",
        healing="healing",
        size=PLANTED["injury_size"],
        note=PLANTED["injury_note"],
    )


def assert_clean(dump: bytes, where: str, secrets: set[str] = frozenset()) -> None:
    text = dump.decode("utf-8", errors="replace").lower()
    leaked = sorted(needle for needle in needles() | set(secrets) if needle in text)
    assert not leaked, f"{where} reveals {leaked}"


@pytest.mark.django_db(transaction=True)
def test_a_planted_patient_appears_nowhere_in_a_database_dump(personas, tmp_path):
    secrets = plant(personas)
    if connection.vendor == "sqlite":
        copy = sqlite3.connect(tmp_path / "backup.sqlite3")
        connection.ensure_connection()
        connection.connection.backup(copy)
        dump = "\n".join(copy.iterdump()).encode()
        copy.close()
        for table in (b"patients_patient", b"encounters_injury", b"axes_accessattempt"):
            assert table in dump  # the dump really holds them
        assert_clean(dump, "SQL dump", secrets)
        assert_clean((tmp_path / "backup.sqlite3").read_bytes(), "SQLite backup file", secrets)
    else:
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            pytest.skip("pg_dump is not installed")
        db = connection.settings_dict
        dump = subprocess.run(
            [
                pg_dump,
                "--data-only",
                "-h",
                db["HOST"] or "127.0.0.1",
                "-p",
                str(db["PORT"] or 5432),
                "-U",
                db["USER"],
                connection.settings_dict["NAME"],
            ],
            check=True,
            capture_output=True,
            env={"PGPASSWORD": db["PASSWORD"] or ""},
        ).stdout
        assert b"patients_patient" in dump
        assert_clean(dump, "pg_dump", secrets)


def test_names_typed_into_search_and_registration_never_reach_the_logs(
    personas, client_for, caplog
):
    client = client_for(personas.clinician)
    with caplog.at_level(logging.DEBUG):
        client.post(reverse("patients:search"), {"q": PLANTED["preferred_name"]})
        client.post(
            reverse("patients:register"),
            {
                "preferred_name": PLANTED["preferred_name"],
                "legal_name": PLANTED["legal_name"],
                "birth_date_kind": "exact",
                "birth_date": "2999-01-01",  # refused: future date
                "sex_at_birth": "female",
                "gender_identity": "woman",
                "preferred_language": "en",
                "clinic": personas.clinic.pk,
                "alias-TOTAL_FORMS": "0",
                "alias-INITIAL_FORMS": "0",
            },
        )
    assert_clean(caplog.text.encode(), "log output")
