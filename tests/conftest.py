"""Shared fixtures: the personas every view test checks, and a patient they argue over.

Personas (see STYLE.md): a clinician on the patient's care team, a colleague at the same
clinic who is not on it, an outsider from another health system's clinic, an auditor
(privacy officer), an administrator, a program manager, and anonymous visitors.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from lantern.accounts.models import Clinic, Role, User
from lantern.patients.models import Patient
from tests.factories import ClinicFactory, UserFactory, make_patient


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
    """A test client signed in as the given user (or anonymous for ``None``)."""

    def make(user: User | None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make
