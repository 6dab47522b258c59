"""A program manager working figures out from several pages: the health system's figure
minus another clinic's, a clinic's total minus its other rows, one table's total against
another's. None of it reaches a withheld count."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from tests.factories import ClinicFactory
from tests.reports import builders as b
from tests.reports.pages import headings, row

REPORT = reverse("reports:report")
OCTOBER = "October 2026"


@pytest.fixture
def northside(personas):
    return ClinicFactory(name="Northside Clinic", health_system=personas.clinic.health_system)


def figures(client, table, **params):
    """The October row of ``table`` as {column: figure or None}."""
    response = client.get(REPORT, {**b.RANGE, **params})
    assert response.status_code == 200
    html = response.content.decode()
    cells = row(html, table, OCTOBER)
    names = headings(html, table)[1 : 1 + len(cells)]
    pairs = zip(names, cells, strict=True)
    return {name: None if cell == "withheld" else int(cell) for name, cell in pairs}


def test_a_clinic_total_minus_the_health_systems_figure_and_another_clinics(
    personas, client_for, northside
):
    """Riverside: 5 positive PHQ-9 and 20 GAD-7; Northside: 30 and 30. GAD-7 for the health
    system minus Northside's gave Riverside's 20, and Riverside's total minus 20 its 5."""
    riverside = personas.clinic
    for clinic, phq, gad in ((riverside, 5, 20), (northside, 30, 30)):
        b.screenings(b.patients(phq, clinic), clinic, b.OCTOBER, personas.clinician, "phq-9")
        b.screenings(b.patients(gad, clinic), clinic, b.OCTOBER, personas.clinician, "gad-7")
    b.refresh(riverside)
    client = client_for(personas.manager)
    system = figures(client, "positive")
    theirs = figures(client, "positive", clinic=northside.pk)
    ours = figures(client, "positive", clinic=riverside.pk)
    assert ours["PHQ-9"] is None
    worked_out = []
    if None not in (system["GAD-7"], theirs["GAD-7"], ours["Total"]):
        worked_out.append(ours["Total"] - (system["GAD-7"] - theirs["GAD-7"]))
    if None not in (system["PHQ-9"], theirs["PHQ-9"]):
        worked_out.append(system["PHQ-9"] - theirs["PHQ-9"])
    assert 5 not in worked_out
    assert system["Total"] == 85  # the health system's figure still shows


def test_patients_seen_cannot_undo_what_the_age_bands_withhold(personas, client_for, northside):
    """Riverside: 23 people aged 25 to 34 and 4 aged 18 to 24; Northside: 30 aged 18 to 24.
    If "patients seen" showed Northside's 30 while its age table withheld it, the health
    system's 18 to 24 figure minus 30 would give Riverside's 4 away."""
    riverside = personas.clinic
    young = {"birth_date": datetime.date(2005, 2, 1)}  # 21 in October 2026
    people = b.patients(23, riverside) + b.patients(4, riverside, **young)
    b.visits(people, riverside, b.OCTOBER, personas.clinician)
    b.visits(b.patients(30, northside, **young), northside, b.OCTOBER, personas.clinician)
    b.refresh(riverside)
    client = client_for(personas.manager)
    seen = figures(client, "seen")
    ages = figures(client, "age")
    for clinic in (riverside, northside):
        # One figure, the clinic's total of people seen, shown alike by both tables.
        assert figures(client, "age", clinic=clinic.pk)["Total"] == seen[clinic.name]
    northside_ages = figures(client, "age", clinic=northside.pk)
    if None not in (ages["18 to 24"], seen[northside.name]) and list(northside_ages) == [
        "18 to 24",
        "Total",
    ]:
        assert ages["18 to 24"] - seen[northside.name] != 4
