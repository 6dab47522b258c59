"""Operator commands: demo, seed, keys, and migrations kept in step with the models."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings

from lantern.accounts.models import Clinic, Role, User
from lantern.crypto.keyring import generate_key
from lantern.patients.matching import parse_query
from lantern.patients.models import Patient, PatientSearchToken
from lantern.patients.search import find
from tests.factories import ClinicFactory, UserFactory


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=out)
    return out.getvalue()


def test_models_and_migrations_agree(db):
    run("makemigrations", "--check", "--dry-run")


def test_demo_creates_a_health_system_one_user_per_role_and_prints_them(db, settings):
    settings.MODE = "demo"
    output = run("demo", "--patients", "4")
    assert "DEMO ONLY" in output
    assert Clinic.objects.count() == 2
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    assert Patient.objects.count() == 8
    line = next(line for line in output.splitlines() if "demo.clinician" in line)
    password = line.split()[-1]
    client = Client()
    response = client.post(
        "/accounts/sign-in/", {"username": "demo.clinician", "password": password}
    )
    assert response.status_code == 302
    # Running it again keeps the data and prints fresh passwords.
    again = run("demo", "--patients", "4")
    assert Patient.objects.count() == 8
    assert password not in again


def test_demo_refuses_to_run_outside_demo_mode(db):
    with pytest.raises(CommandError, match="LANTERN_MODE=demo"):
        run("demo")


def test_seed_creates_searchable_fictional_patients_reproducibly(db):
    clinic = ClinicFactory()
    clinician = UserFactory(username="seeder", clinics=[clinic])
    output = run("seed", "--patients", "40", "--seed", "7", "--care-team", "seeder")
    assert re.search(r"Created 40 fictional patients", output)
    assert Patient.objects.count() == 40
    assert PatientSearchToken.objects.count() > 40 * 5
    minors = [p for p in Patient.objects.all() if p.is_minor()]
    unknown = [p for p in Patient.objects.all() if p.age() is None]
    assert minors, "synthetic data should include minors"
    assert unknown, "synthetic data should include patients of unknown age"
    someone = Patient.objects.order_by("registered_at").first()
    scope = Patient.objects.visible_to(clinician)
    assert someone.pk in [m.patient.pk for m in find(scope, parse_query(someone.preferred_name))]


def test_seed_explains_a_missing_clinic_or_user(db):
    with pytest.raises(CommandError, match="No such clinic"):
        run("seed", "--patients", "1")
    ClinicFactory()
    with pytest.raises(CommandError, match="No staff member with username ghost"):
        run("seed", "--patients", "1", "--care-team", "ghost")


def test_keys_generate_prints_valid_material(db):
    output = run("keys", "generate", "--id", "k7")
    lines = dict(
        line.split("=", 1)
        for line in output.splitlines()
        if "=" in line and not line.startswith("#")
    )
    from lantern.crypto.keyring import KeyRing

    ring = KeyRing.from_config(lines["LANTERN_ENCRYPTION_KEYS"], lines["LANTERN_INDEX_KEY"])
    assert ring.active_id == "k7"
    from lantern.audit.checkpoints import decode_key

    assert len(decode_key(lines["LANTERN_AUDIT_KEY"])) == 32
    assert len({lines["LANTERN_AUDIT_KEY"], lines["LANTERN_INDEX_KEY"]}) == 2


def test_keys_rotate_moves_every_value_to_the_new_key(personas, settings):
    assert "test1: " in run("keys", "status")
    with override_settings(
        LANTERN_ENCRYPTION_KEYS=f"k2:{generate_key()},{settings.LANTERN_ENCRYPTION_KEYS}"
    ):
        output = run("keys", "rotate")
        assert "every stored value is sealed with the newest key" in output
        status = run("keys", "status")
    assert "Active key: k2" in status
    assert re.search(r"k2: \d+ values", status)
    assert "test1: 0 values" in status


def test_seed_refuses_a_production_registry_unless_told_otherwise(db, settings):
    ClinicFactory()
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production mode"):
        run("seed", "--patients", "1")
    assert "Created 1" in run("seed", "--patients", "1", "--allow-production")


def test_demo_staff_have_fictional_addresses_so_an_administrator_can_edit_them(db, settings):
    from tests.clients import signed_in

    settings.MODE = "demo"
    run("demo", "--patients", "0")
    addresses = dict(User.objects.values_list("username", "email"))
    assert all(address == f"{name}@example.org" for name, address in addresses.items())
    nurse = User.objects.get(username="demo.nurse")
    response = signed_in(User.objects.get(username="demo.admin")).post(
        f"/accounts/staff/{nurse.pk}/",
        {
            "display_name": "Nurse Okafor, SANE (demo)",
            "email": nurse.email,
            "role": nurse.role,
            "clinician_type": nurse.clinician_type,
            "clinics": [clinic.pk for clinic in nurse.clinics.all()],
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    nurse.refresh_from_db()
    assert nurse.display_name == "Nurse Okafor, SANE (demo)"
