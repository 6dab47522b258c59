"""Examination steps (offered as done only with every consent) and injuries on the body map."""

from __future__ import annotations

import re

import pytest

from lantern.audit.models import AuditEvent
from lantern.encounters import consent_rules, services
from lantern.encounters.models import ExamStep, Injury
from tests.encounters.conftest import give, offered_as_done, url

INJURY = {
    "side": "front",
    "region": "left_arm",
    "kind": "cigarette_burn",
    "healing": "healing",
    "size": "1 cm",
    "note": "Three round marks",
}


def test_without_consent_no_step_is_offered_as_done(personas, client_for, visit):
    page = client_for(personas.clinician).get(url("visit", visit)).content.decode()
    assert offered_as_done(page) == set()
    assert "No step has every consent it needs yet." in page


@pytest.mark.parametrize(
    ("given", "offered"),
    [
        (("general_exam",), {"general_exam"}),
        (("general_exam", "touch"), {"general_exam", "palpation"}),
        (("undress", "touch", "pelvic_exam"), {"gown", "pelvic_exam"}),
        (("swab_self",), {"swab_self"}),
        (("blood_draw",), set()),
        (
            tuple({s for ss in consent_rules.EXAM_STEPS.values() for s in ss}),
            set(consent_rules.EXAM_STEPS),
        ),
    ],
)
def test_only_steps_with_every_consent_are_offered_as_done(
    personas, client_for, visit, given, offered
):
    give(personas, visit, *given)
    page = client_for(personas.clinician).get(url("visit", visit)).content.decode()
    assert offered_as_done(page) == offered


def test_a_step_done_is_recorded_with_what_the_patient_was_told(personas, client_for, visit):
    give(personas, visit, "general_exam")
    client = client_for(personas.clinician)
    response = client.post(
        url("exam_step_add", visit),
        {
            "step": "general_exam",
            "status": "done",
            "told_can_stop": "on",
            "normal_findings_told": "on",
            "note": "Heart and lungs normal",
        },
    )
    assert response.url == url("visit", visit)
    step = ExamStep.objects.get()
    assert (step.status, step.told_can_stop, step.normal_findings_told) == ("done", True, True)
    assert step.consents.count() == 1
    page = client.get(url("visit", visit)).content.decode()
    assert "Heart and lungs normal" in page


def test_a_step_without_consent_is_refused_by_the_service_and_nothing_is_stored(
    personas, client_for, visit
):
    give(personas, visit, "general_exam")
    response = client_for(personas.clinician).post(
        url("exam_step_add", visit),
        {"step": "pelvic_exam", "status": "done", "told_can_stop": "on", "note": "typed note"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Not recorded: this needs the patient&#x27;s current consent for:" in page
    assert "Pelvic or anogenital examination (not asked yet)" in page
    assert "typed note</textarea>" in page
    assert not ExamStep.objects.exists()
    assert AuditEvent.objects.filter(
        outcome="denied", category="consent", detail__startswith="exam step pelvic_exam"
    ).exists()


@pytest.mark.parametrize("status", ["declined", "skipped"])
def test_a_step_declined_or_skipped_needs_no_consent(personas, client_for, visit, status):
    response = client_for(personas.clinician).post(
        url("exam_step_add", visit), {"step": "pelvic_exam", "status": status}
    )
    assert response.url == url("visit", visit)
    assert ExamStep.objects.get().status == status


def test_an_ended_visit_takes_no_more_steps(personas, client_for, visit):
    give(personas, visit, "general_exam")
    services.encounter_end(actor=personas.clinician, encounter=visit)
    response = client_for(personas.clinician).post(
        url("exam_step_add", visit), {"step": "general_exam", "status": "done"}
    )
    assert "This visit has ended." in response.content.decode()
    assert not ExamStep.objects.exists()


def test_an_injury_is_recorded_and_shown_on_the_body_map(personas, client_for, visit):
    give(personas, visit, "general_exam")
    client = client_for(personas.clinician)
    response = client.post(url("injury_add", visit), INJURY)
    assert response.url == url("visit", visit)
    injury = Injury.objects.get()
    assert (injury.side, injury.region, injury.kind, injury.note) == (
        "front",
        "left_arm",
        "cigarette_burn",
        "Three round marks",
    )
    page = client.get(url("visit", visit)).content.decode()
    body_map = page[page.index("<svg") : page.index("</svg>")]
    assert 'aria-hidden="true"' in body_map
    assert body_map.count("body-map__region--injured") == 1
    assert "style=" not in body_map
    assert "Left arm (front)" in page
    assert "Cigarette burn" in page


@pytest.mark.parametrize(("side", "region"), [("back", "chest"), ("front", "buttocks")])
def test_a_region_on_the_wrong_side_is_refused_and_the_form_kept(
    personas, client_for, visit, side, region
):
    response = client_for(personas.clinician).post(
        url("injury_add", visit), {**INJURY, "side": side, "region": region}
    )
    page = response.content.decode()
    assert "This region is on the" in page
    assert 'value="1 cm"' in page
    assert not Injury.objects.exists()


def test_an_ended_visit_takes_no_more_injuries(personas, client_for, visit):
    services.encounter_end(actor=personas.clinician, encounter=visit)
    response = client_for(personas.clinician).post(url("injury_add", visit), INJURY)
    assert response.status_code == 200
    assert not Injury.objects.exists()


def test_the_visit_page_and_body_map_read_well_in_spanish(personas, client_for, visit):
    """Numbers in the drawing are never written with a decimal comma."""
    give(personas, visit, "general_exam")
    services.injury_record(actor=personas.clinician, encounter=visit, **INJURY)
    client = client_for(personas.clinician)
    client.post("/language/", {"language": "es", "next": "/"})
    page = client.get(url("visit", visit)).content.decode()
    body_map = page[page.index("<svg") : page.index("</svg>")]
    assert "Frente" in body_map
    assert "Espalda" in body_map
    assert "Antes de comenzar" in page
    assert "Brazo izquierdo (frente)" in page
    assert not re.search(r'"\d+,\d+"', body_map)
