"""A database dump, a backup or the logs alone never reveal who a patient is."""

from __future__ import annotations

import logging
import shutil
import sqlite3
import subprocess
import unicodedata

import pytest
from django.db import connection
from django.urls import reverse

from lantern.patients import services
from lantern.patients.choices import ContactChannelKind
from tests.factories import make_patient

PLANTED = {
    "preferred_name": "Quetzalli Brightwater",
    "legal_name": "Xochitl Quetzalli Brightwater-Añorve",
    "alias": "Zinniaflower",
    "mrn": "PLANTED-774411",
    "phone": "+1 555 0199 4477",
    "code_word": "bluebirdlantern",
    "wording": "Reminder from Dr. Marigoldsmith",
    "notes": "Ondinebell picks up calls",
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


def plant(personas) -> None:
    patient = make_patient(
        actor=personas.clinician,
        clinic=personas.clinic,
        preferred_name=PLANTED["preferred_name"],
        legal_name=PLANTED["legal_name"],
        aliases=((PLANTED["alias"], "street"),),
        mrn=PLANTED["mrn"],
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


def assert_clean(dump: bytes, where: str) -> None:
    text = dump.decode("utf-8", errors="replace").lower()
    leaked = sorted(needle for needle in needles() if needle in text)
    assert not leaked, f"{where} reveals {leaked}"


@pytest.mark.django_db(transaction=True)
def test_a_planted_patient_appears_nowhere_in_a_database_dump(personas, tmp_path):
    plant(personas)
    if connection.vendor == "sqlite":
        copy = sqlite3.connect(tmp_path / "backup.sqlite3")
        connection.ensure_connection()
        connection.connection.backup(copy)
        dump = "\n".join(copy.iterdump()).encode()
        copy.close()
        assert b"patients_patient" in dump  # the dump really holds the registry
        assert_clean(dump, "SQL dump")
        assert_clean((tmp_path / "backup.sqlite3").read_bytes(), "SQLite backup file")
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
        assert_clean(dump, "pg_dump")


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
