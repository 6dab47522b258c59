"""Encrypted columns in the database, and re-sealing them under a new key."""

from __future__ import annotations

import pytest
from django.core.exceptions import FieldError
from django.db import connection
from django.test import override_settings

from lantern.crypto.keyring import generate_key
from lantern.crypto.rotation import key_usage, reseal_all
from lantern.patients.matching import parse_query
from lantern.patients.models import Patient, PatientAlias
from lantern.patients.search import find


def raw_column(table: str, column: str, pk: object) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column} FROM {table} WHERE id = %s",
            [pk.hex if connection.vendor == "sqlite" else pk],
        )
        return cursor.fetchone()[0]


def test_names_reach_the_database_only_as_sealed_values(personas):
    stored = raw_column("patients_patient", "preferred_name", personas.patient.pk)
    assert stored.startswith("lx1.")
    assert "Rosa" not in stored
    assert Patient.objects.get(pk=personas.patient.pk).preferred_name == "Rosa Delgado"


def test_encrypted_fields_cannot_be_filtered_on_by_mistake(personas):
    with pytest.raises(FieldError):
        list(Patient.objects.filter(preferred_name="Rosa Delgado"))
    assert Patient.objects.filter(legal_name__isnull=False).count() == 1


def test_rotation_reseals_every_value_with_the_newest_key_and_search_still_works(
    personas, settings
):
    old_keys = settings.LANTERN_ENCRYPTION_KEYS
    assert set(key_usage()) == {"test1"}
    with override_settings(LANTERN_ENCRYPTION_KEYS=f"k2:{generate_key()},{old_keys}"):
        report = reseal_all()
        assert report["patients.Patient"] == 1
        assert report["patients.PatientAlias"] == 1
        usage = key_usage()
        assert set(usage) == {"k2"}
        new_only = settings.LANTERN_ENCRYPTION_KEYS.split(",")[0]
    # With the old key gone, everything still opens and search still finds the alias.
    with override_settings(LANTERN_ENCRYPTION_KEYS=new_only):
        assert PatientAlias.objects.get().name == "Sunny"
        scope = Patient.objects.visible_to(personas.clinician)
        assert [m.patient.pk for m in find(scope, parse_query("Suny"))] == [personas.patient.pk]


def test_a_new_index_key_needs_a_rebuild_and_the_rebuild_restores_search(personas):
    scope = Patient.objects.visible_to(personas.clinician)
    with override_settings(LANTERN_INDEX_KEY=generate_key()):
        assert find(scope, parse_query("Delgado")) == []
        reseal_all()
        assert [m.patient.pk for m in find(scope, parse_query("Delgado"))] == [personas.patient.pk]
        assert [m.patient.pk for m in find(scope, parse_query("RV-1001"))] == [personas.patient.pk]


def test_rotation_covers_second_factor_secrets_gender_words_and_pronouns(personas, settings):
    from django.db import models
    from django.db.models.functions import Cast
    from django_otp.oath import TOTP

    from lantern.accounts.models import Authenticator
    from tests.factories import authenticator, make_patient

    device = authenticator(personas.clinician)
    make_patient(
        actor=personas.clinician,
        clinic=personas.clinic,
        preferred_name="Noor Haddad",
        gender_identity_detail="in my own words",
        pronouns="they/them",
    )
    with override_settings(
        LANTERN_ENCRYPTION_KEYS=f"k2:{generate_key()},{settings.LANTERN_ENCRYPTION_KEYS}"
    ):
        reseal_all()
        assert set(key_usage()) == {"k2"}
        raw = Authenticator.objects.annotate(raw=Cast("key", models.TextField())).get(pk=device.pk)
        assert raw.raw.startswith("lx1.k2.")
        rotated = Authenticator.objects.get(pk=device.pk)
        assert rotated.key == device.key
        assert rotated.verify_token(TOTP(rotated.bin_key).token())
        [noor] = [p for p in Patient.objects.all() if p.preferred_name == "Noor Haddad"]
        assert (noor.gender_identity_detail, noor.pronouns) == ("in my own words", "they/them")
