"""Training modules as data, taking one (knowledge check, attestation), expiry, the clinic's
gate on screening and tablets, and the training status program managers see."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from lantern.audit.models import AuditEvent
from lantern.screening import services as screening
from lantern.screening.models import ScreeningSession
from lantern.training import catalogue
from lantern.training.models import Attestation, TrainingPolicy
from lantern.training.status import State, add_months, statuses
from tests.factories import UserFactory

TOPICS = {
    "trauma-informed-care",
    "recognising-indicators",
    "private-screening",
    "consent",
    "suicide-risk",
    "safe-contact",
    "minors-reporting",
}


def right_answers(module):
    return {f"q-{q.id}": q.answer for q in module.check} | {"attest": "on"}


def attest_all(user, when=None):
    for module in catalogue.modules():
        Attestation.objects.create(
            user=user,
            module_id=module.id,
            module_version=module.version,
            attested_at=when or timezone.now(),
        )


def test_every_topic_ships_as_a_versioned_module_with_sources_and_a_check():
    found = catalogue.modules()
    assert {m.id for m in found} == TOPICS
    for module in found:
        assert module.version >= 1
        assert module.sources
        assert len(module.check) >= 2
        for text in (module.title, module.summary, *module.points):
            assert text["en"]
            assert text["es"]
            assert text["en"] != text["es"]


def test_a_malformed_module_file_is_refused_with_its_name_and_reason():
    bad = {
        "format": "lantern-training/1",
        "id": "x",
        "version": 1,
        "date": "2026-12-01",
        "order": 1,
        "title": {"en": "T", "es": "T"},
        "summary": {"en": "S", "es": "S"},
        "sources": ["a source"],
        "points": [],
        "check": [
            {
                "id": "q",
                "prompt": {"en": "Q", "es": "P"},
                "options": [{"id": "a", "text": {"en": "A", "es": "A"}}],
                "answer": "b",
            }
        ],
    }
    with pytest.raises(catalogue.TrainingFileError, match=re.escape("x.json: check[0]")):
        catalogue.read_module(bad, "x.json")


def test_wrong_answers_record_nothing_and_say_which_to_look_at_again(personas, client_for):
    module = catalogue.get_module("suicide-risk")
    client = client_for(personas.clinician)
    url = reverse("training:module", args=[module.id])
    wrong = right_answers(module) | {"q-item9": "a"}
    response = client.post(url, wrong)
    assert response.status_code == 200
    assert "Not quite. Read the module again and choose again." in response.content.decode()
    assert not Attestation.objects.exists()
    unattested = right_answers(module)
    del unattested["attest"]
    page = client.post(url, unattested).content.decode()
    assert "Tick the box to attest that you completed the module." in page
    assert not Attestation.objects.exists()


def test_passing_the_check_and_attesting_records_it_and_shows_it_current(personas, client_for):
    module = catalogue.get_module("safe-contact")
    client = client_for(personas.colleague)
    response = client.post(reverse("training:module", args=[module.id]), right_answers(module))
    assert response.url == reverse("training:list")
    attestation = Attestation.objects.get()
    assert (attestation.user, attestation.module_version) == (personas.colleague, module.version)
    assert AuditEvent.objects.filter(
        actor=personas.colleague, action="create", detail="training attested: safe-contact v1"
    ).exists()
    page = client.get(reverse("training:list")).content.decode()
    assert "Current" in page
    assert "Not taken" in page
    good_until = add_months(attestation.attested_at, 12)
    assert timezone.localtime(good_until).strftime("%Y-%m-%d") in page  # the clinic's date


def test_a_module_reads_in_spanish(personas, client_for):
    client = client_for(personas.clinician)
    client.post(reverse("set_language"), {"language": "es", "next": "/"})
    page = client.get(reverse("training:module", args=["consent"])).content.decode()
    assert "Consentimiento, paso a paso" in page
    assert "Comprobación de conocimientos" in page


def test_attestations_expire_after_the_clinics_months(personas):
    user = personas.clinician
    attest_all(user, when=timezone.now() - datetime.timedelta(days=400))
    assert {s.state for s in statuses(user, 12)} == {State.EXPIRED}
    assert {s.state for s in statuses(user, 24)} == {State.CURRENT}


def test_a_new_version_of_a_module_asks_for_a_new_attestation(personas):
    module = catalogue.modules()[0]
    Attestation.objects.create(user=personas.clinician, module_id=module.id, module_version=0)
    first = statuses(personas.clinician, 12)[0]
    assert first.state == State.NEW_VERSION
    assert not first.current


def test_months_are_counted_by_the_calendar():
    start = datetime.datetime(2026, 1, 31, 9, tzinfo=datetime.UTC)
    assert add_months(start, 1) == datetime.datetime(2026, 2, 28, 9, tzinfo=datetime.UTC)
    assert add_months(start, 12) == datetime.datetime(2027, 1, 31, 9, tzinfo=datetime.UTC)


# The gate: a clinic that requires training before screening.


@pytest.fixture
def required(personas):
    return TrainingPolicy.objects.create(clinic=personas.clinic, required_for_screening=True)


def start(client, patient, mode="clinician"):
    return client.post(
        reverse("screening:overview", args=[patient.pk]),
        {"instrument_ids": ["phq-9"], "language": "en", "mode": mode},
    )


def test_without_current_training_staff_are_told_what_to_complete(personas, client_for, required):
    client = client_for(personas.clinician)
    page = client.get(reverse("screening:overview", args=[personas.patient.pk])).content.decode()
    assert "Modules to complete" in page
    assert "Responding to suicide risk" in page
    assert reverse("training:module", args=["suicide-risk"]) in page
    assert "Ask the questions now" not in page
    for mode in ("clinician", "kiosk"):
        refused = start(client, personas.patient, mode)
        assert refused.status_code == 403
        assert "Complete your training first" in refused.content.decode()
        assert "Riverside Clinic" in refused.content.decode()
    assert not ScreeningSession.objects.exists()
    assert AuditEvent.objects.filter(
        actor=personas.clinician, outcome="denied", detail__startswith="training not current"
    ).exists()


def test_a_screening_already_started_cannot_be_run_without_training(personas, client_for):
    asked = screening.screening_start(
        actor=personas.clinician,
        patient=personas.patient,
        instrument_ids=["phq-9"],
        language="en",
        mode="clinician",
    )
    tablet = screening.screening_start(
        actor=personas.clinician,
        patient=personas.patient,
        instrument_ids=["phq-9"],
        language="en",
        mode="kiosk",
    )
    TrainingPolicy.objects.create(clinic=personas.clinic, required_for_screening=True)
    client = client_for(personas.clinician)
    pid = personas.patient.pk
    ask = client.get(reverse("screening:ask", args=[pid, asked.pk, "phq-9"]))
    handover = client.post(reverse("screening:kiosk_handover", args=[pid, tablet.pk]))
    # Confirming privacy before the sensitive questions is part of running the screening.
    privacy = client.post(
        reverse("screening:privacy", args=[pid, asked.pk]),
        {"alone": "yes", "interpreter": "not_needed"},
    )
    assert ask.status_code == handover.status_code == privacy.status_code == 403
    assert "Modules to complete" in privacy.content.decode()
    assert "Modules to complete" in handover.content.decode()


def test_current_training_opens_screening(personas, client_for, required):
    attest_all(personas.clinician)
    client = client_for(personas.clinician)
    assert start(client, personas.patient).status_code == 302
    assert ScreeningSession.objects.count() == 1


def test_expired_training_closes_screening_again(personas, client_for, required):
    attest_all(personas.clinician, when=timezone.now() - datetime.timedelta(days=370))
    assert start(client_for(personas.clinician), personas.patient).status_code == 403
    required.valid_months = 24
    required.save()
    assert start(client_for(personas.clinician), personas.patient).status_code == 302


def test_a_clinic_that_does_not_require_training_does_not_gate(personas, client_for):
    TrainingPolicy.objects.create(clinic=personas.clinic, required_for_screening=False)
    assert start(client_for(personas.clinician), personas.patient).status_code == 302


# Program managers see their clinics' training status.


def test_program_managers_see_training_status_per_clinic(personas, client_for, required):
    attest_all(personas.clinician)
    page = client_for(personas.manager).get(reverse("training:status")).content.decode()
    assert "Riverside Clinic" in page
    assert personas.clinician.display_name in page
    assert personas.colleague.display_name in page
    assert "1 of 2 members of care staff have every module current." in page
    assert "Current training is required before screening." in page


def test_the_status_page_takes_the_same_queries_for_more_staff(
    personas, client_for, django_assert_max_num_queries
):
    client = client_for(personas.manager)
    client.get(reverse("training:status"))  # warm the session and caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("training:status"))
    for _n in range(6):
        member = UserFactory(role="counselor", clinics=[personas.clinic])
        attest_all(member)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("training:status"))
    assert len(many) == len(few)
