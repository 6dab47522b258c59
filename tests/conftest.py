"""Shared fixtures: the personas every view test checks, and a patient they argue over.

Personas (see STYLE.md): a clinician on the patient's care team, a colleague at the same
clinic who is not on it, an outsider from another health system's clinic, an auditor
(privacy officer), an administrator, a program manager, and anonymous visitors.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import hypothesis
import pytest
from django.db.backends.base.operations import BaseDatabaseOperations
from django.test import Client

from lantern.accounts.models import Clinic, Role, User
from lantern.audit import append_only
from lantern.crypto.fields import EncryptedTextField
from lantern.patients.models import Patient
from tests.clients import signed_in
from tests.factories import ClinicFactory, UserFactory, make_patient

# Property tests check what holds for any input, not how fast a shared machine answers: a
# deadline turns a loaded CI machine into a red run. "ci" is the suite's profile; set
# HYPOTHESIS_PROFILE=dev for hypothesis's defaults while writing a new property.
hypothesis.settings.register_profile(
    "ci", deadline=None, suppress_health_check=[hypothesis.HealthCheck.too_slow]
)
hypothesis.settings.register_profile("dev", hypothesis.settings.get_profile("default"))
hypothesis.settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@dataclass
class Personas:
    clinic: Clinic
    other_clinic: Clinic
    clinician: User
    colleague: User
    outsider: User
    auditor: User
    admin: User
    manager: User
    patient: Patient

    def by_name(self, name: str) -> User | None:
        return None if name == "anonymous" else getattr(self, name)


@pytest.fixture
def personas(db: None) -> Personas:
    clinic = ClinicFactory(name="Riverside Clinic")
    other_clinic = ClinicFactory(name="Harbor Clinic")
    clinician = UserFactory(username="clinician", role=Role.CLINICIAN, clinics=[clinic])
    colleague = UserFactory(username="colleague", role=Role.ADVOCATE, clinics=[clinic])
    outsider = UserFactory(username="outsider", role=Role.CLINICIAN, clinics=[other_clinic])
    auditor = UserFactory(username="auditor", role=Role.PRIVACY_OFFICER, clinics=[clinic])
    admin = UserFactory(username="admin", role=Role.ADMINISTRATOR, clinics=[clinic])
    manager = UserFactory(username="manager", role=Role.PROGRAM_MANAGER, clinics=[clinic])
    patient = make_patient(
        actor=clinician,
        clinic=clinic,
        preferred_name="Rosa Delgado",
        aliases=(("Sunny", "street"),),
        mrn="RV-1001",
    )
    return Personas(
        clinic, other_clinic, clinician, colleague, outsider, auditor, admin, manager, patient
    )


@pytest.fixture
def client_for(db: None):  # type: ignore[no-untyped-def]
    """A test client signed in (both factors) as the given user, or anonymous for ``None``."""

    def make(user: User | None) -> Client:
        return Client() if user is None else signed_in(user)

    return make


@pytest.fixture(scope="session", autouse=True)
def _audit_triggers_lifted_for_test_flushes() -> Iterator[None]:
    """Django empties every table after a transactional test (browser tests among them);
    the audit trail's append-only triggers refuse that, so they are lifted for the flush
    only. Every other statement in the suite meets them."""
    original = BaseDatabaseOperations.execute_sql_flush

    def flush(self: BaseDatabaseOperations, sql_list: list[str]) -> None:
        with append_only.suspended(self.connection):
            original(self, sql_list)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(BaseDatabaseOperations, "execute_sql_flush", flush)
        yield


@pytest.fixture
def opened(monkeypatch):
    """The sealed columns opened while the test runs (``app.model.field``)."""
    found: set[str] = set()
    original = EncryptedTextField.from_db_value

    def recording(self, value, expression, connection):
        if value is not None:
            found.add(self.seal_context)
        return original(self, value, expression, connection)

    monkeypatch.setattr(EncryptedTextField, "from_db_value", recording)
    return found
