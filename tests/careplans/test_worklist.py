"""Worklists: due today, overdue, windows closing within 24 h; per person, care team and
clinic; the program manager sees the health system without names, everyone else only the
patients they may open; a constant number of queries whatever the number of rows."""

from __future__ import annotations

import datetime
import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lantern.audit.models import AuditEvent
from lantern.careplans import services
from tests.careplans.conftest import NOW
from tests.clients import signed_in
from tests.factories import make_patient

pytestmark = pytest.mark.django_db
URL = reverse("careplans:worklist")


def add(patient, actor, title, due, **kwargs):
    plan = services.careplan_for(patient=patient)
    return services.activity_add(
        plan=plan, actor=actor, code="other", title=title, due=due, **kwargs
    )


@pytest.fixture
def planted(personas, clock):
    patient = personas.patient
    clinician = personas.clinician
    add(
        patient,
        clinician,
        "Call about the shelter bed",
        NOW + datetime.timedelta(hours=3),
        owner=clinician,
    )
    add(
        patient,
        clinician,
        "Legal clinic follow-up",
        NOW - datetime.timedelta(days=2),
        owner=clinician,
    )
    add(patient, clinician, "Counseling intake", NOW + datetime.timedelta(days=5), owner=clinician)
    add(
        patient,
        clinician,
        "Start HIV nPEP",
        NOW - datetime.timedelta(hours=1),
        latest=NOW + datetime.timedelta(hours=14),
        urgent=True,
        owner=None,
    )
    done = add(patient, clinician, "Old task", NOW - datetime.timedelta(days=1))
    services.activity_status_set(activity=done, actor=clinician, status="done")
    return patient


def sections(page):
    """Section key -> the text of that section."""
    found = {}
    for key in ("closing", "today", "overdue"):
        start = page.index(f'id="{key}-heading"')
        end = page.find("</section>", start)
        found[key] = page[start:end]
    return found


def get(user, **params):
    response = signed_in(user).get(URL, params)
    assert response.status_code == 200
    return sections(html.unescape(response.content.decode()))


def test_the_clinician_sees_due_today_overdue_and_closing_windows(personas, planted):
    shown = get(personas.clinician, scope="team")
    assert "nPEP window" not in shown["closing"]  # a manual urgent task keeps its own title
    assert "Start HIV nPEP" in shown["closing"]
    assert "closes in 14 h (Tue 19:00)" in shown["closing"]
    assert "Call about the shelter bed" in shown["today"]
    assert "Start HIV nPEP" in shown["today"]
    assert "Legal clinic follow-up" in shown["overdue"]
    for section in shown.values():
        assert "Counseling intake" not in section  # due later
        assert "Old task" not in section  # done
    assert "Rosa Delgado" in shown["today"]


def test_mine_shows_only_what_the_person_owns(personas, planted):
    shown = get(personas.clinician, scope="mine")
    assert "Call about the shelter bed" in shown["today"]
    assert "Start HIV nPEP" not in shown["today"]  # nobody owns it yet


def test_staff_off_the_care_team_or_at_another_clinic_see_nothing(personas, planted):
    for persona in (personas.colleague, personas.outsider):
        shown = get(persona, scope="clinic")
        assert all("Rosa Delgado" not in section for section in shown.values())
        assert all("Legal clinic" not in section for section in shown.values())


def test_the_program_manager_sees_the_health_system_without_names(personas, planted):
    other_clinic_patient = make_patient(
        actor=personas.clinician, clinic=personas.clinic, preferred_name="Ana Ruiz"
    )
    add(other_clinic_patient, personas.clinician, "Peer group", NOW + datetime.timedelta(hours=2))
    shown = get(personas.manager)
    assert "Riverside Clinic" in shown["today"]
    assert shown["today"].count("<tr>") == 4  # header and three rows
    assert "Rosa Delgado" not in shown["today"]
    assert "Ana Ruiz" not in shown["today"]
    assert "Legal clinic follow-up" not in shown["overdue"]  # staff's own words stay out
    assert "other" in shown["overdue"]


def test_a_program_manager_of_another_health_system_sees_nothing(personas, planted):
    from lantern.accounts.models import Role
    from tests.factories import UserFactory

    elsewhere = UserFactory(role=Role.PROGRAM_MANAGER, clinics=[personas.other_clinic])
    shown = get(elsewhere)
    assert all("<tbody>" not in section for section in shown.values())


def test_a_clinic_filter_keeps_to_that_clinic(personas, planted):
    shown = get(personas.clinician, scope="clinic", clinic=personas.clinic.pk)
    assert "Call about the shelter bed" in shown["today"]


def test_each_patient_shown_is_audited_as_read(personas, planted):
    get(personas.clinician, scope="team")
    assert AuditEvent.objects.filter(
        actor=personas.clinician,
        patient_id=planted.pk,
        action="read",
        category="sdv",
        detail="worklist",
    ).exists()


def test_roles_without_a_worklist_are_refused(personas):
    for persona in (personas.auditor, personas.admin):
        assert signed_in(persona).get(URL).status_code == 403


@pytest.mark.parametrize("persona", ["clinician", "manager"])
def test_the_worklist_runs_the_same_number_of_queries_at_two_sizes(
    personas, clock, django_assert_num_queries, persona
):
    user = getattr(personas, persona)
    client = signed_in(user)

    def grow(count):
        for number in range(count):
            patient = make_patient(
                actor=personas.clinician, clinic=personas.clinic, preferred_name=f"P {number}"
            )
            for hours in (-50, 2, 5):
                add(
                    patient,
                    personas.clinician,
                    f"Task {hours}",
                    NOW + datetime.timedelta(hours=hours),
                    latest=NOW + datetime.timedelta(hours=hours + 10),
                    urgent=hours == 5,
                    owner=personas.clinician,
                )

    grow(2)
    client.get(URL)  # warm the session and caches
    with CaptureQueriesContext(connection) as small:
        assert client.get(URL).status_code == 200
    grow(8)
    with django_assert_num_queries(len(small.captured_queries)):
        page = client.get(URL)
    shown = sections(page.content.decode())
    assert shown["today"].count("<tr>") == 1 + 20  # header, and two tasks of ten patients
    assert shown["overdue"].count("<tr>") == 1 + 10
