"""Upgrading an installation whose second-factor secrets and recovery codes, gender words,
pronouns and injury sizes were stored in plain text: the migrations seal every stored value,
and nothing is lost."""

from __future__ import annotations

import pytest
from django.db import connection, models
from django.db.migrations.executor import MigrationExecutor
from django.db.models.functions import Cast
from django_otp.oath import TOTP

from lantern.accounts import mfa
from lantern.accounts.models import Authenticator, RecoveryCode
from lantern.encounters.models import Injury
from lantern.patients.models import Patient
from tests.factories import authenticator, make_patient
from tests.test_storage_privacy import plant_injury

BEFORE_SEALING = [
    ("accounts", "0007_user_must_change_password"),
    ("patients", "0002_birth_date_index"),
    ("encounters", "0001_initial"),
]
WORDS, PRONOUNS, SIZE = "Sparrowfeather two-spirit", "zir/zirself", "Wrenfieldmark 4x7"


def migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection)


def stored(model, pk, *fields):  # type: ignore[no-untyped-def]
    """Values as they are in the database (a cast skips the sealed field's opening)."""
    casts = {f"raw_{name}": Cast(name, output_field=models.TextField()) for name in fields}
    return model.objects.filter(pk=pk).annotate(**casts).values_list(*casts).get()


@pytest.mark.django_db(transaction=True)
def test_plain_values_stored_before_sealing_are_sealed_in_place(personas):
    patient = make_patient(
        actor=personas.clinician,
        clinic=personas.clinic,
        preferred_name="Noor Haddad",
        gender_identity="self_described",
        gender_identity_detail=WORDS,
        pronouns=PRONOUNS,
    )
    plant_injury(personas, patient)
    injury = Injury.objects.get(encounter__patient=patient)
    Injury.objects.filter(pk=injury.pk).update(size=SIZE)
    secret = authenticator(personas.clinician).key
    codes = mfa.recovery_codes_replace(personas.clinician)
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        migrate(BEFORE_SEALING)
        # As an installation of the earlier version held them: in plain text.
        assert stored(Patient, patient.pk, "gender_identity_detail", "pronouns") == (
            WORDS,
            PRONOUNS,
        )
        assert stored(Injury, injury.pk, "size") == (SIZE,)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT key FROM otp_totp_totpdevice WHERE user_id = %s", [personas.clinician.pk]
            )
            assert cursor.fetchall() == [(secret,)]
            cursor.execute(
                "SELECT token FROM otp_static_statictoken JOIN otp_static_staticdevice"
                " ON otp_static_staticdevice.id = device_id WHERE user_id = %s",
                [personas.clinician.pk],
            )
            assert sorted(token for (token,) in cursor.fetchall()) == sorted(codes)
    finally:
        migrate(latest)

    for value in (
        *stored(Patient, patient.pk, "gender_identity_detail", "pronouns"),
        *stored(Injury, injury.pk, "size"),
        *Authenticator.objects.annotate(
            raw=Cast("key", output_field=models.TextField())
        ).values_list("raw", flat=True),
        *RecoveryCode.objects.annotate(
            raw=Cast("code", output_field=models.TextField())
        ).values_list("raw", flat=True),
    ):
        assert value.startswith("lx1."), value
    patient.refresh_from_db()
    assert (patient.gender_identity_detail, patient.pronouns) == (WORDS, PRONOUNS)
    assert Injury.objects.get(pk=injury.pk).size == SIZE
    device = Authenticator.objects.get(user=personas.clinician)
    assert device.key == secret
    assert device.verify_token(TOTP(device.bin_key).token())
    assert mfa.check_code(personas.clinician, codes[0]) is not None
    assert mfa.check_code(personas.clinician, codes[0]) is None  # each works once
    with connection.cursor() as cursor:
        for table in ("otp_totp_totpdevice", "otp_static_staticdevice", "otp_static_statictoken"):
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            assert cursor.fetchone() == (0,), table
