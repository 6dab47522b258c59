"""Test data builders. Patients are made through the registry service, as staff make them."""

from __future__ import annotations

import datetime
import time
from typing import Any

import factory
from django_otp.oath import TOTP, hotp

from lantern.accounts.models import Authenticator, Clinic, ClinicianType, HealthSystem, Role, User
from lantern.patients import services
from lantern.patients.models import Patient

PASSWORD = "correct horse battery staple"


class HealthSystemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HealthSystem

    name = factory.Sequence(lambda n: f"Health System {n}")


class ClinicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinic

    health_system = factory.SubFactory(HealthSystemFactory)
    name = factory.Sequence(lambda n: f"Clinic {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    display_name = factory.Sequence(lambda n: f"Staff Member {n}")
    role = Role.CLINICIAN
    clinician_type = factory.LazyAttribute(
        lambda o: ClinicianType.PHYSICIAN if o.role == Role.CLINICIAN else ""
    )
    email = factory.LazyAttribute(lambda o: f"{o.username}@clinic.example")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def clinics(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.clinics.set(extracted)
            if self.health_system_id is None:
                self.health_system = extracted[0].health_system
        if create:
            self.save()


def patient_details(**overrides: Any) -> services.PatientDetails:
    values: dict[str, Any] = {
        "preferred_name": "Rosa Delgado",
        "legal_name": "",
        "birth_date_kind": "exact",
        "birth_date": datetime.date(1998, 4, 17),
        "estimated_age": None,
        "sex_at_birth": "female",
        "gender_identity": "woman",
        "gender_identity_detail": "",
        "pronouns": "she/her",
        "preferred_language": "es",
        "interpreter_needed": False,
    }
    values.update(overrides)
    return services.PatientDetails(**values)


def make_patient(
    *,
    actor: User,
    clinic: Clinic,
    aliases: tuple[tuple[str, str], ...] = (),
    mrn: str = "",
    **details: Any,
) -> Patient:
    """Register a patient the way staff do, so tokens, care team and audit all exist."""
    return services.patient_register(
        actor=actor, clinic=clinic, details=patient_details(**details), aliases=aliases, mrn=mrn
    )


def authenticator(user: User) -> Authenticator:
    """The user's confirmed authenticator app, created if they have none yet."""
    device = Authenticator.objects.filter(user=user, confirmed=True).first()
    return device or Authenticator.objects.create(user=user, confirmed=True, name="phone")


def fresh_code(user: User) -> str:
    """A code the user's authenticator would show that Lantern has not yet accepted.

    Codes are single-use; a second sign-in within the same 30 seconds uses the next
    step's code (Lantern accepts one step of clock drift) or waits for a new step.
    """
    device = authenticator(user)
    device.refresh_from_db()
    # The step Lantern expects now, with the drift it learnt from earlier codes.
    clock = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    now_step = clock.t()
    while device.last_t >= now_step + device.tolerance:
        time.sleep(0.5)
        now_step = clock.t()
    step = max(now_step, device.last_t + 1)
    return f"{hotp(device.bin_key, step, digits=device.digits):0{device.digits}d}"
