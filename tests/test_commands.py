"""Operator commands: demo, seed, keys, and migrations kept in step with the models."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings
from django.urls import reverse

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


# --- lantern seed: a history for the clinic's patients -------------------------------------


def seed_history(*args: str) -> str:
    return run(
        "seed",
        *("--visits", "30", "--screenings", "25", "--activities", "40"),
        *("--audit-entries", "120", "--seed", "3", *args),
    )


def test_seed_grows_a_history_the_pages_show(personas):
    from lantern.careplans.models import Activity, ActivityStatusChange
    from lantern.encounters.models import Encounter
    from lantern.screening.models import ScreeningResult
    from tests.clients import signed_in

    run("seed", "--patients", "20", "--care-team", "clinician")
    output = seed_history("--care-team", "clinician")
    assert re.search(
        r"Added 30 visits, 25 screenings, 40 activities and 120 audit entries at "
        r"Riverside Clinic in [\d.]+ s \(\d+ rows per second\)",
        output,
    )
    assert Encounter.objects.filter(clinic=personas.clinic).count() == 30
    assert ScreeningResult.objects.count() == 25
    assert Activity.objects.count() == 40
    closed = Activity.objects.exclude(status__in=("planned", "scheduled")).count()
    assert ActivityStatusChange.objects.count() == closed > 0
    # Nothing from the past waits for a clinician: urgent flags were acknowledged then.
    assert not ScreeningResult.objects.awaiting_acknowledgement().exists()
    assert ScreeningResult.objects.filter(positive=False).exists()

    client = signed_in(personas.clinician)
    visit = next(v for v in Encounter.objects.all() if v.patient_instructions)
    page = client.get(reverse("encounters:visit", args=[visit.patient_id, visit.pk]))
    assert page.status_code == 200
    assert visit.patient_instructions in page.content.decode()
    assert visit.patient_instructions.encode() not in stored_value(visit, "patient_instructions")
    result = ScreeningResult.objects.first()
    page = client.get(reverse("screening:session", args=[result.patient_id, result.session_id]))
    assert page.status_code == 200
    assert client.get(reverse("patients:detail", args=[visit.patient_id])).status_code == 200
    activity = Activity.objects.filter(status="planned").select_related("plan").first()
    page = client.get(reverse("careplans:plan", args=[activity.plan.patient_id]))
    assert activity.title in page.content.decode()


def stored_value(row, field: str) -> bytes:
    """The column as the database holds it: sealed values never contain the plain text."""
    from django.db import connection

    table, column = row._meta.db_table, row._meta.get_field(field).column
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [row.pk])
        value = cursor.fetchone()[0]
    return bytes(value) if not isinstance(value, str) else value.encode()


def test_seeded_audit_entries_are_sealed_and_verify(personas, tmp_path, settings):
    from lantern.audit.models import AuditCheckpoint, AuditEvent

    settings.LANTERN_AUDIT_CHECKPOINT_FILE = tmp_path / "checkpoints.log"
    settings.LANTERN_AUDIT_SEAL_BATCH = 50
    run("seed", "--patients", "10", "--care-team", "clinician")
    before = AuditEvent.objects.count()
    seed_history("--care-team", "clinician")
    assert AuditEvent.objects.count() == before + 120
    assert not AuditEvent.objects.filter(entry_hash="").exists()
    assert AuditCheckpoint.objects.count() >= 3  # one per batch of 50
    out = run("audit", "verify", "--checkpoints", str(tmp_path / "checkpoints.log"))
    assert f"{before + 120} entries verified, chain intact" in out
    # The privacy officer's report lists the clinician's reads of the seeded patients.
    page = signed_in_auditor(personas).get(reverse("audit:report"), {"user": "clinician"})
    assert page.status_code == 200
    assert page.content.decode().count("clinician") > 10


def signed_in_auditor(personas):
    from tests.clients import signed_in

    return signed_in(personas.auditor)


def test_seed_history_uses_the_clinic_staff_when_no_care_team_is_given(personas):
    from lantern.encounters.models import Encounter

    run("seed", "--patients", "5")
    run("seed", "--visits", "12")
    staff = set(Encounter.objects.values_list("created_by__username", flat=True))
    assert staff <= {"clinician", "colleague", "auditor", "admin", "manager"}
    assert Encounter.objects.count() == 12


def test_seed_history_explains_what_is_missing(db):
    clinic = ClinicFactory()
    with pytest.raises(CommandError, match="needs staff"):
        run("seed", "--visits", "3")
    UserFactory(username="seeder", clinics=[clinic])
    with pytest.raises(CommandError, match="no patients"):
        run("seed", "--visits", "3")
    with pytest.raises(CommandError, match="at least 1"):
        run("seed")


def test_the_demo_has_a_past_that_the_worklists_and_reports_show(db, settings):
    """A program manager trying the demo sees figures, not a report of zeros and dashes."""
    from lantern.careplans.models import Activity
    from lantern.encounters.models import Encounter
    from lantern.screening.models import ScreeningResult
    from tests.clients import signed_in
    from tests.reports.pages import section

    settings.MODE = "demo"
    run("demo", "--patients", "150")
    riverside = Clinic.objects.get(name="Riverside Clinic")
    assert Encounter.objects.filter(clinic=riverside).count() == 450
    assert ScreeningResult.objects.count() == 2 * 300
    assert Activity.objects.count() == 2 * 300
    # Seen by the clinic's own clinicians, and nothing from the past left to acknowledge.
    seen_by = Encounter.objects.filter(clinic=riverside).values_list("created_by__username")
    assert set(seen_by) == {("demo.clinician",)}
    assert not ScreeningResult.objects.awaiting_acknowledgement().exists()
    # The demo physician may adapt the clinic's follow-up protocols; the nurse may not.
    assert User.objects.get(username="demo.clinician").clinical_lead
    assert not User.objects.get(username="demo.nurse").clinical_lead

    manager = signed_in(User.objects.get(username="demo.manager"))
    html = manager.get(reverse("reports:report")).content.decode()
    shown = [int(cell) for cell in re.findall(r"<td>(\d+)</td>", section(html, "seen"))]
    assert len(shown) >= 12, "most months show how many people were seen"
    assert min(shown) >= 11
    # A second run keeps the past as it is.
    run("demo", "--patients", "150")
    assert Encounter.objects.count() == 900
