"""Writing many synthetic patients at once, for demos and benchmarks.

This bypasses the one-patient-at-a-time services on purpose (they audit each write and
would take hours for 100,000 patients) but produces exactly the same rows: encrypted names,
search tokens, identifier indexes, clinic links and care-team entries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.utils import timezone

from lantern.accounts.models import CareTeamMember, Clinic
from lantern.audit.models import Action, Category
from lantern.audit.services import audit_record
from lantern.patients.choices import IdentifierSystem
from lantern.patients.models import (
    ContactPlan,
    ExternalIdentifier,
    Patient,
    PatientAlias,
    PatientSearchToken,
)
from lantern.patients.search import identifier_token, name_tokenizer
from lantern.patients.synthetic import SyntheticPatient

if TYPE_CHECKING:
    from lantern.accounts.models import User

BATCH = 2000
# Search-token rows per INSERT on PostgreSQL.
TOKEN_CHUNK = 20_000


def _patient(record: SyntheticPatient) -> Patient:
    return Patient(
        preferred_name=record.preferred_name,
        legal_name=record.legal_name,
        birth_date_kind=record.birth_date_kind,
        birth_date=record.birth_date,
        estimated_age=record.estimated_age,
        estimated_on=None if record.estimated_age is None else timezone.localdate(),
        sex_at_birth=record.sex_at_birth,
        gender_identity=record.gender_identity,
        pronouns=record.pronouns,
        preferred_language=record.preferred_language,
        interpreter_needed=record.interpreter_needed,
    )


def _write_batch(
    records: Sequence[SyntheticPatient],
    clinic: Clinic,
    care_team: Sequence[User],
    tokenize: Callable[[Iterable[str]], set[int]],
) -> None:
    patients = [_patient(record) for record in records]
    Patient.objects.bulk_create(patients)
    links = Patient.clinics.through
    links.objects.bulk_create(links(patient_id=p.pk, clinic_id=clinic.pk) for p in patients)
    CareTeamMember.objects.bulk_create(
        CareTeamMember(patient=p, user=member) for p in patients for member in care_team
    )
    ContactPlan.objects.bulk_create(ContactPlan(patient=p) for p in patients)
    PatientAlias.objects.bulk_create(
        PatientAlias(patient=p, name=name, kind=kind)
        for p, record in zip(patients, records, strict=True)
        for name, kind in record.aliases
    )
    ExternalIdentifier.objects.bulk_create(
        (
            ExternalIdentifier(
                patient=p,
                clinic=clinic,
                system=IdentifierSystem.MRN,
                value=record.mrn,
                value_index=identifier_token(IdentifierSystem.MRN, record.mrn),
            )
            for p, record in zip(patients, records, strict=True)
            if record.mrn
        ),
        ignore_conflicts=True,
    )
    # About 25 search tokens per patient: written as plain rows, because a model instance for
    # each would cost more than the database's own work.
    pk = Patient._meta.get_field("id")
    rows: list[tuple[Any, int]] = []
    for p, record in zip(patients, records, strict=True):
        names = [record.preferred_name, record.legal_name, *(name for name, _ in record.aliases)]
        patient_id = pk.get_db_prep_value(p.pk, connection)
        rows.extend((patient_id, token) for token in tokenize(names))
    _insert_search_tokens(rows)


def _insert_search_tokens(rows: list[tuple[Any, int]]) -> None:
    """Insert (patient id, token) rows without building millions of model objects.

    Only the model's own table and column names, quoted, are put into the SQL text; every
    value travels as a parameter.
    """
    quote = connection.ops.quote_name
    meta = PatientSearchToken._meta
    table = quote(meta.db_table)
    patient_field = PatientSearchToken.patient.field
    token_field = meta.get_field("token")
    patient, token = quote(patient_field.column), quote(str(token_field.column))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement per chunk: two arrays unnested into rows, no COPY needed.
            sql = (
                f"INSERT INTO {table} ({patient}, {token}) "  # noqa: S608  # nosec B608
                f"SELECT * FROM unnest(%s::{patient_field.db_type(connection)}[], "
                f"%s::{token_field.db_type(connection)}[])"
            )
            for start in range(0, len(rows), TOKEN_CHUNK):
                chunk = rows[start : start + TOKEN_CHUNK]
                cursor.execute(sql, [[row[0] for row in chunk], [row[1] for row in chunk]])
        else:
            sql = f"INSERT INTO {table} ({patient}, {token}) VALUES (%s, %s)"  # noqa: S608  # nosec B608
            cursor.executemany(sql, rows)


def patients_bulk_create(
    *,
    actor: User | None,
    records: Iterable[SyntheticPatient],
    clinic: Clinic,
    care_team: Sequence[User] = (),
) -> int:
    """Create synthetic patients at ``clinic`` with ``care_team`` on each. Returns the count."""
    count = 0
    batch: list[SyntheticPatient] = []
    tokenize = name_tokenizer()
    for record in records:
        batch.append(record)
        if len(batch) == BATCH:
            with transaction.atomic():
                _write_batch(batch, clinic, care_team, tokenize)
            count += len(batch)
            batch = []
    if batch:
        with transaction.atomic():
            _write_batch(batch, clinic, care_team, tokenize)
        count += len(batch)
    audit_record(
        action=Action.CREATE,
        actor=actor,
        category=Category.IDENTITY,
        detail=f"{count} synthetic patients at clinic {clinic.pk}",
    )
    return count
