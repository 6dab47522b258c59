"""Finding patients: tolerant of spelling, bounded by access, constant in query count."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lantern.patients.matching import parse_query
from lantern.patients.models import Patient
from lantern.patients.search import find, likely_duplicates
from tests.factories import UserFactory, make_patient


def found(user, query: str) -> list[str]:
    return [
        m.patient.preferred_name for m in find(Patient.objects.visible_to(user), parse_query(query))
    ]


@pytest.fixture
def registry(personas):
    make = lambda **kw: make_patient(actor=personas.clinician, clinic=personas.clinic, **kw)  # noqa: E731
    make(
        preferred_name="María José Hernández",
        aliases=(("Estrellita", "street"),),
        mrn="RV-2002",
        birth_date=datetime.date(2004, 2, 29),
    )
    make(preferred_name="Nguyễn Thị Lan", birth_date_kind="unknown", birth_date=None)
    make(
        preferred_name="Blessing Okafor",
        legal_name="Blessing Adaeze Okafor",
        birth_date=datetime.date(1998, 4, 17),
    )
    make(preferred_name="Mario Hernandez", birth_date=datetime.date(1990, 1, 1))
    return personas


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("María José Hernández", "María José Hernández"),
        ("maria jose hernandez", "María José Hernández"),
        ("hernandez maria", "María José Hernández"),
        ("Estrelita", "María José Hernández"),  # alias, one letter short
        ("estrellitta", "María José Hernández"),
        ("nguyen lan", "Nguyễn Thị Lan"),
        ("Adaeze", "Blessing Okafor"),  # middle word of the legal name
        ("Okafr Blesing", "Blessing Okafor"),
        ("rv 2002", "María José Hernández"),  # record number, other punctuation
        ("Sunny", "Rosa Delgado"),
    ],
)
def test_search_finds_the_intended_patient_first(registry, query, first):
    assert found(registry.clinician, query)[0] == first


def test_search_by_birth_date_finds_everyone_born_that_day(registry):
    assert found(registry.clinician, "17/04/1998") == ["Rosa Delgado", "Blessing Okafor"] or sorted(
        found(registry.clinician, "17/04/1998")
    ) == ["Blessing Okafor", "Rosa Delgado"]


def test_a_name_and_a_birth_date_rank_the_patient_born_that_day_first(registry):
    assert found(registry.clinician, "hernandez 1990-01-01")[0] == "Mario Hernandez"


def test_an_unrelated_name_finds_nobody(registry):
    assert found(registry.clinician, "Svetlana Kovalenko") == []


def test_search_never_returns_patients_outside_the_users_care_teams(registry):
    assert found(registry.colleague, "Estrellita") == []
    assert found(registry.outsider, "Estrellita") == []
    assert found(registry.auditor, "Estrellita") == []


def test_a_patient_at_another_clinic_is_not_found_even_with_a_shared_name(registry):
    other = make_patient(
        actor=registry.outsider, clinic=registry.other_clinic, preferred_name="Rosa Delgado"
    )
    assert [
        m.patient.pk
        for m in find(Patient.objects.visible_to(registry.clinician), parse_query("Rosa Delgado"))
    ] == [registry.patient.pk]
    assert [
        m.patient.pk
        for m in find(Patient.objects.visible_to(registry.outsider), parse_query("Rosa Delgado"))
    ] == [other.pk]


def test_search_runs_the_same_number_of_queries_however_many_patients_match(
    personas, django_assert_num_queries
):
    scope = Patient.objects.visible_to(personas.clinician)
    with CaptureQueriesContext(connection) as small:
        assert len(find(scope, parse_query("Rosa 1998-04-17 RV-1001"))) == 1
    for number in range(12):
        make_patient(
            actor=personas.clinician,
            clinic=personas.clinic,
            preferred_name=f"Rosa Delgado {number}",
            aliases=(("Sunny", "street"), ("Rosita", "nickname")),
        )
    with django_assert_num_queries(len(small.captured_queries)):
        assert len(find(scope, parse_query("Rosa 1998-04-17 RV-1001"))) == 13


def test_likely_duplicates_include_patients_the_user_cannot_open_when_scope_says_so(registry):
    scope = Patient.objects.in_clinics_of(registry.colleague)
    matches = likely_duplicates(scope, ["Maria Jose Hernandes"], None)
    assert [m.patient.preferred_name for m in matches] == ["María José Hernández"]


def test_a_new_name_with_the_same_birth_date_is_a_likely_duplicate_only_if_similar(registry):
    scope = Patient.objects.in_clinics_of(registry.clinician)
    assert likely_duplicates(scope, ["Blessing Okafor"], datetime.date(1998, 4, 17))
    assert not likely_duplicates(scope, ["Svetlana Kovalenko"], datetime.date(1998, 4, 17))


def test_a_clinician_on_two_teams_sees_both(registry):
    second = UserFactory(clinics=[registry.clinic])
    make_patient(actor=second, clinic=registry.clinic, preferred_name="Lucia Ramos")
    assert found(second, "Lucia Ramos") == ["Lucia Ramos"]
    assert found(registry.clinician, "Lucia Ramos") == []


@pytest.mark.parametrize("query", ["Candy69", "candy 69", "Candy", "Candi69"])
def test_an_alias_with_digits_is_found_with_or_without_them(personas, query):
    patient = make_patient(
        actor=personas.clinician,
        clinic=personas.clinic,
        preferred_name="Ana Ruiz",
        aliases=(("Candy69", "street"),),
    )
    assert patient.pk in [
        m.patient.pk
        for m in find(Patient.objects.visible_to(personas.clinician), parse_query(query))
    ]
