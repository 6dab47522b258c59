"""Staff-led screening: privacy gate, questions, results, decision support, history."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse

from lantern.audit.models import AuditEvent
from lantern.patients.models import Patient
from lantern.screening import services
from lantern.screening.models import (
    DiagnosisCode,
    FlagAcknowledgement,
    ScreeningResult,
    ScreeningSession,
)
from tests.factories import make_patient

PHQ9_NONE = {f"phq9-{n}": "not_at_all" for n in range(1, 10)}


def start(client, patient, *instrument_ids, mode="clinician", language="en"):
    return client.post(
        reverse("screening:overview", args=[patient.pk]),
        {"instrument_ids": list(instrument_ids), "language": language, "mode": mode},
    )


def ask_url(patient, session, instrument_id):
    return reverse("screening:ask", args=[patient.pk, session.pk, instrument_id])


def test_a_phq9_is_asked_scored_and_shown_with_its_band(personas, client_for):
    client = client_for(personas.clinician)
    response = start(client, personas.patient, "phq-9")
    session = ScreeningSession.objects.get()
    assert response.url == ask_url(personas.patient, session, "phq-9")
    page = client.get(response.url).content.decode()
    assert "Little interest or pleasure in doing things" in page
    answers = PHQ9_NONE | {
        "phq9-1": "nearly_every_day",
        "phq9-2": "more_than_half",
        "phq9-3": "several_days",
        "phq9-4": "nearly_every_day",
    }
    done = client.post(response.url, answers)
    assert done.url == reverse("screening:session", args=[personas.patient.pk, session.pk])
    result = ScreeningResult.objects.get()
    assert (result.total, result.positive) == (9, False)
    assert result.answers["phq9-1"] == "nearly_every_day"
    page = client.get(done.url).content.decode()
    assert "Urgent" not in page
    assert AuditEvent.objects.filter(
        object_type="screening.screeningresult", category="mental_health"
    ).exists()


def test_an_unanswered_question_is_refused_and_the_answers_given_stay(personas, client_for):
    client = client_for(personas.clinician)
    start(client, personas.patient, "phq-9")
    session = ScreeningSession.objects.get()
    answers = dict(PHQ9_NONE)
    del answers["phq9-5"]
    answers["phq9-1"] = "several_days"
    response = client.post(ask_url(personas.patient, session, "phq-9"), answers)
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert re.search(r'name="phq9-1" value="several_days"[^>]*checked', response.content.decode())
    assert not ScreeningResult.objects.exists()


def test_thoughts_of_self_harm_raise_an_urgent_banner_until_acknowledged(personas, client_for):
    client = client_for(personas.clinician)
    start(client, personas.patient, "phq-9")
    session = ScreeningSession.objects.get()
    client.post(ask_url(personas.patient, session, "phq-9"), PHQ9_NONE | {"phq9-9": "several_days"})
    result = ScreeningResult.objects.get()
    assert result.flags == ["suicide_risk"]
    assert result.total == 1
    url = reverse("screening:session", args=[personas.patient.pk, session.pk])
    page = client.get(url).content.decode()
    assert "Urgent: possible suicide risk" in page
    ack = reverse("screening:acknowledge", args=[personas.patient.pk, result.pk])
    assert "suicide" not in ack  # URLs reach access logs
    field = f"ack-{result.pk}-suicide_risk-action_taken"
    empty = client.post(ack, {"flag": "suicide_risk", field: ""})
    assert "This field is required." in empty.content.decode()
    client.post(
        ack, {"flag": "suicide_risk", field: "Stayed with the patient; counselor assessed safety."}
    )
    assert FlagAcknowledgement.objects.get().acknowledged_by == personas.clinician
    assert "Acknowledged by" in client.get(url).content.decode()


def sensitive_session(client, personas, *instrument_ids):
    start(client, personas.patient, *instrument_ids)
    return ScreeningSession.objects.latest("pk")


def test_sensitive_questions_wait_for_the_privacy_gate(personas, client_for):
    client = client_for(personas.clinician)
    response = start(client, personas.patient, "lantern-indicators")
    session = ScreeningSession.objects.get()
    assert response.url == reverse("screening:privacy", args=[personas.patient.pk, session.pk])
    # Going straight to the questions leads back to the gate.
    straight = client.get(ask_url(personas.patient, session, "lantern-indicators"))
    assert straight.url == response.url


@pytest.mark.parametrize(
    ("method", "interpretation", "message"),
    [
        ("came_alone", "companion", "A companion cannot interpret for these questions"),
        ("not_possible", "not_needed", "defer these questions"),
    ],
)
def test_a_companion_interpreter_or_no_privacy_is_refused_with_the_reason(
    personas, client_for, method, interpretation, message
):
    client = client_for(personas.clinician)
    session = sensitive_session(client, personas, "lantern-indicators")
    response = client.post(
        reverse("screening:privacy", args=[personas.patient.pk, session.pk]),
        {"method": method, "interpretation": interpretation},
    )
    assert message in response.content.decode()
    session.refresh_from_db()
    assert not session.privacy_confirmed


def test_no_private_moment_defers_the_screen_to_the_next_contact(personas, client_for):
    client = client_for(personas.clinician)
    session = sensitive_session(client, personas, "lantern-indicators")
    client.post(
        reverse("screening:defer", args=[personas.patient.pk, session.pk]),
        {"defer-note": "Partner stayed in the room"},
    )
    session.refresh_from_db()
    assert session.status == "deferred"
    detail = client.get(reverse("patients:detail", args=[personas.patient.pk])).content.decode()
    assert "1 screening is waiting for a private moment." in detail
    # The next completed screen closes the task.
    retry = sensitive_session(client, personas, "lantern-indicators")
    client.post(
        reverse("screening:privacy", args=[personas.patient.pk, retry.pk]),
        {"method": "during_procedure", "interpretation": "professional_remote"},
    )
    retry.refresh_from_db()
    services.result_record(
        actor=personas.clinician,
        session=retry,
        instrument_id="lantern-indicators",
        answers=indicators(present=()),
    )
    assert not ScreeningSession.objects.deferred().exists()


def indicators(present=("ind-companion-speaks",)):
    from lantern.screening import instruments

    items = [i for i in instruments.get_instrument("lantern-indicators").items if i.answerable]
    return {item.link_id: ("yes" if item.link_id in present else "no") for item in items}


def test_a_trafficking_concern_brings_pearr_steps_and_code_suggestions(personas, client_for):
    client = client_for(personas.clinician)
    session = sensitive_session(client, personas, "lantern-indicators")
    client.post(
        reverse("screening:privacy", args=[personas.patient.pk, session.pk]),
        {"method": "companion_stepped_out", "interpretation": "not_needed"},
    )
    response = client.post(ask_url(personas.patient, session, "lantern-indicators"), indicators())
    page = client.get(response.url).content.decode()
    assert "Next steps (PEARR)" in page
    assert 'value="T76.51"' in page  # adult patient: suspected adult sexual exploitation
    assert 'value="T76.61"' not in page  # no labour indicator recorded
    assert "Minor pathway" not in page
    assert AuditEvent.objects.filter(
        object_type="screening.screeningresult", category="sdv"
    ).exists()


def test_a_code_is_recorded_only_after_discussing_it_with_the_patient(personas, client_for):
    client = client_for(personas.clinician)
    session = sensitive_session(client, personas, "lantern-indicators")
    services.privacy_record(
        actor=personas.clinician, session=session, method="came_alone", interpretation="not_needed"
    )
    result = services.result_record(
        actor=personas.clinician,
        session=session,
        instrument_id="lantern-indicators",
        answers=indicators(),
    )
    url = reverse("screening:decide_code", args=[personas.patient.pk, result.pk])
    refused = client.post(
        url,
        {"code": "T76.51", "phase": "active", "decision": "confirmed", "note": "Agreed to wait"},
    )
    assert "Discuss the code with the patient" in refused.content.decode()
    assert "Agreed to wait" in refused.content.decode()
    assert not DiagnosisCode.objects.exists()
    client.post(
        url,
        {
            "code": "T76.51",
            "phase": "active",
            "decision": "confirmed",
            "discussed_with_patient": "on",
        },
    )
    recorded = DiagnosisCode.objects.get()
    assert recorded.decided_by == personas.clinician
    assert recorded.code == "T76.51XA"


@pytest.mark.parametrize(("phase", "recorded"), [("after", "T76.51XD"), ("sequela", "T76.51XS")])
def test_the_clinician_states_the_phase_of_care_for_the_seventh_character(
    personas, client_for, phase, recorded
):
    client = client_for(personas.clinician)
    session = sensitive_session(client, personas, "lantern-indicators")
    services.privacy_record(
        actor=personas.clinician, session=session, method="came_alone", interpretation="not_needed"
    )
    result = services.result_record(
        actor=personas.clinician,
        session=session,
        instrument_id="lantern-indicators",
        answers=indicators(),
    )
    page = client.get(reverse("screening:session", args=[personas.patient.pk, session.pk]))
    phases = page.content.decode()
    assert "Phase of care (7th character of a T74 or T76 code)" in phases
    assert not re.search(r'name="phase"[^>]*checked', phases)  # nothing chosen in advance
    url = reverse("screening:decide_code", args=[personas.patient.pk, result.pk])
    confirmed = {"code": "T76.51", "decision": "confirmed", "discussed_with_patient": "on"}
    refused = client.post(url, confirmed)
    assert "the 7th character depends on it" in refused.content.decode()
    assert not DiagnosisCode.objects.exists()
    client.post(url, {**confirmed, "phase": phase})
    assert DiagnosisCode.objects.get().code == recorded


def test_labour_indicators_offer_the_forced_labour_codes(personas, client_for):
    client = client_for(personas.clinician)
    session = sensitive_session(client, personas, "lantern-indicators")
    services.privacy_record(
        actor=personas.clinician, session=session, method="came_alone", interpretation="not_needed"
    )
    services.result_record(
        actor=personas.clinician,
        session=session,
        instrument_id="lantern-indicators",
        answers=indicators(present=("ind-debt", "ind-work-conditions")),
    )
    page = client.get(reverse("screening:session", args=[personas.patient.pk, session.pk]))
    offered = set(re.findall(r'name="code" value="([^"]+)"', page.content.decode()))
    assert {"T76.61", "T74.61", "Z04.82", "Z91.42", "Z62.813"} <= offered
    assert "Next steps (PEARR)" in page.content.decode()


def test_a_minor_sees_the_minor_pathway_and_child_codes(personas, client_for):
    teen = make_patient(
        actor=personas.clinician,
        clinic=personas.clinic,
        preferred_name="Teen",
        birth_date=datetime.date.today().replace(year=datetime.date.today().year - 15),
    )
    session = services.screening_start(
        actor=personas.clinician, patient=teen, instrument_ids=["lantern-indicators"], language="en"
    )
    services.privacy_record(
        actor=personas.clinician, session=session, method="came_alone", interpretation="not_needed"
    )
    services.result_record(
        actor=personas.clinician,
        session=session,
        instrument_id="lantern-indicators",
        answers=indicators(),
    )
    page = (
        client_for(personas.clinician)
        .get(reverse("screening:session", args=[teen.pk, session.pk]))
        .content.decode()
    )
    assert "Minor pathway" in page
    assert 'value="T76.52"' in page
    assert 'value="T76.51"' not in page
    assert 'value="Z91.42"' not in page  # exploitation in childhood: Z62.813
    assert 'value="Z62.813"' in page


def test_ptsd_symptom_questions_appear_only_after_exposure_yes(personas, client_for):
    client = client_for(personas.clinician)
    session = sensitive_session(client, personas, "pc-ptsd-5")
    services.privacy_record(
        actor=personas.clinician, session=session, method="came_alone", interpretation="not_needed"
    )
    url = ask_url(personas.patient, session, "pc-ptsd-5")
    assert "ptsd-1" not in client.get(url).content.decode()
    preview = client.post(
        url, {"ptsd-exposure": "yes", "_preview": "1"}, headers={"HX-Request": "true"}
    )
    assert "<html" not in preview.content.decode()
    assert 'name="ptsd-1"' in preview.content.decode()
    # Answers left over from questions that no longer apply are dropped, never scored.
    client.post(url, {"ptsd-exposure": "no", "ptsd-1": "yes"})
    result = ScreeningResult.objects.get()
    assert (result.total, result.answers) == (0, {"ptsd-exposure": "no"})


def test_the_clinic_threshold_decides_a_positive_ptsd_screen(personas, client_for):
    client = client_for(personas.admin)
    client.post(reverse("screening:thresholds"), {f"t-{personas.clinic.pk}-pc-ptsd-5": "4"})
    session = services.screening_start(
        actor=personas.clinician,
        patient=personas.patient,
        instrument_ids=["pc-ptsd-5"],
        language="en",
    )
    services.privacy_record(
        actor=personas.clinician, session=session, method="came_alone", interpretation="not_needed"
    )
    answers = {
        "ptsd-exposure": "yes",
        "ptsd-1": "yes",
        "ptsd-2": "yes",
        "ptsd-3": "yes",
        "ptsd-4": "no",
        "ptsd-5": "no",
    }
    result = services.result_record(
        actor=personas.clinician, session=session, instrument_id="pc-ptsd-5", answers=answers
    )
    assert (result.total, result.threshold, result.positive) == (3, 4, False)


def test_a_threshold_the_instrument_does_not_allow_is_not_saved(personas, client_for):
    response = client_for(personas.admin).post(
        reverse("screening:thresholds"), {f"t-{personas.clinic.pk}-pc-ptsd-5": "5"}, follow=True
    )
    assert "not allowed" in response.content.decode()


def test_history_compares_a_rescreen_with_the_last_result_and_charts_it(personas, client_for):
    for answers in (
        PHQ9_NONE,
        PHQ9_NONE | {"phq9-1": "nearly_every_day", "phq9-2": "nearly_every_day"},
    ):
        session = services.screening_start(
            actor=personas.clinician,
            patient=personas.patient,
            instrument_ids=["phq-9"],
            language="en",
        )
        services.result_record(
            actor=personas.clinician, session=session, instrument_id="phq-9", answers=answers
        )
    page = (
        client_for(personas.clinician)
        .get(reverse("screening:overview", args=[personas.patient.pk]))
        .content.decode()
    )
    assert "higher (was 0)" in page
    assert "first result" in page
    assert '<svg class="chart"' in page


def test_questions_are_asked_in_spanish_when_chosen(personas, client_for):
    client = client_for(personas.clinician)
    start(client, personas.patient, "phq-9", language="es")
    session = ScreeningSession.objects.get()
    page = client.get(ask_url(personas.patient, session, "phq-9")).content.decode()
    assert 'lang="es"' in page
    assert "Poco interés o placer en hacer cosas" in page


def test_emergency_access_may_read_results_but_not_start_a_screening(personas, client_for):
    from lantern.patients import emergency

    search = emergency.emergency_search_start(
        actor=personas.colleague, reason="Collapsed in the waiting room"
    )
    emergency.emergency_access_open(
        actor=personas.colleague, grant=search, patient=personas.patient
    )
    client = client_for(personas.colleague)
    assert client.get(reverse("screening:overview", args=[personas.patient.pk])).status_code == 200
    assert start(client, personas.patient, "phq-9").status_code == 404
    assert Patient.objects.get().screening_sessions.count() == 0


def completed(personas, *instrument_ids, answers=None, **start):
    session = services.screening_start(
        actor=personas.clinician,
        patient=personas.patient,
        instrument_ids=list(instrument_ids),
        language="en",
        **start,
    )
    if session.sensitive:
        services.privacy_record(
            actor=personas.clinician,
            session=session,
            method="came_alone",
            interpretation="not_needed",
        )
    for instrument_id in instrument_ids:
        services.result_record(
            actor=personas.clinician,
            session=session,
            instrument_id=instrument_id,
            answers=(answers or {}).get(instrument_id)
            or (PHQ9_NONE if instrument_id == "phq-9" else indicators(present=())),
        )
    return session


def test_a_deferral_closes_only_when_its_own_questionnaires_are_answered(personas, client_for):
    client = client_for(personas.clinician)
    waiting = sensitive_session(client, personas, "lantern-indicators")
    client.post(reverse("screening:defer", args=[personas.patient.pk, waiting.pk]), {})
    completed(personas, "phq-9")
    assert list(ScreeningSession.objects.deferred()) == [waiting]
    completed(personas, "lantern-indicators")
    assert not ScreeningSession.objects.deferred().exists()


def test_a_deferral_note_that_is_too_long_is_shown_again_with_the_reason(personas, client_for):
    client = client_for(personas.clinician)
    session = sensitive_session(client, personas, "lantern-indicators")
    note = "Partner waits outside. " * 30
    response = client.post(
        reverse("screening:defer", args=[personas.patient.pk, session.pk]), {"defer-note": note}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Ensure this value has at most 500 characters" in page
    assert "Partner waits outside." in page
    session.refresh_from_db()
    assert session.status == "in_progress"


def test_a_finished_screening_cannot_be_deferred(personas, client_for):
    session = completed(personas, "phq-9")
    response = client_for(personas.clinician).post(
        reverse("screening:defer", args=[personas.patient.pk, session.pk]), follow=True
    )
    assert "no longer open" in response.content.decode()
    session.refresh_from_db()
    assert session.status == "completed"
    with pytest.raises(services.ScreeningError):
        services.screening_defer(actor=personas.clinician, session=session, note="")


def test_the_stored_summary_carries_no_answers(personas):
    from django.db import connection

    completed(personas, "phq-9", answers={"phq-9": PHQ9_NONE | {"phq9-9": "several_days"}})
    table = ScreeningResult._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT summary FROM {table}")  # a model's table name
        (stored,) = cursor.fetchone()
    stored = stored if isinstance(stored, str) else str(stored)
    assert "phq9-" not in stored
    assert "several_days" not in stored
    assert "suicide_risk" in stored  # the flag, which staff must see, is kept


def test_the_threshold_is_the_one_chosen_by_the_clinic_of_the_screening(personas):
    from lantern.screening import instruments

    services.threshold_set(
        actor=personas.admin,
        clinic=personas.clinic,
        instrument=instruments.get_instrument("pc-ptsd-5"),
        threshold=4,
    )
    answers = {"pc-ptsd-5": {"ptsd-exposure": "yes"} | {f"ptsd-{n}": "yes" for n in (1, 2, 3)}}
    answers["pc-ptsd-5"] |= {"ptsd-4": "no", "ptsd-5": "no"}
    here = completed(personas, "pc-ptsd-5", answers=answers)
    elsewhere = completed(personas, "pc-ptsd-5", answers=answers, clinic=personas.other_clinic)
    assert here.clinic == personas.clinic
    assert (here.results.get().threshold, here.results.get().positive) == (4, False)
    assert elsewhere.results.get().threshold == 3
    assert elsewhere.results.get().positive


def test_advice_follows_the_age_on_the_day_of_the_screening(personas, client_for):
    from django.utils import timezone

    today = datetime.date.today()
    adult_now = make_patient(
        actor=personas.clinician,
        clinic=personas.clinic,
        preferred_name="Dana",
        birth_date=today.replace(year=today.year - 19, day=1),
    )
    session = services.screening_start(
        actor=personas.clinician,
        patient=adult_now,
        instrument_ids=["lantern-indicators"],
        language="en",
    )
    services.privacy_record(
        actor=personas.clinician, session=session, method="came_alone", interpretation="not_needed"
    )
    services.result_record(
        actor=personas.clinician,
        session=session,
        instrument_id="lantern-indicators",
        answers=indicators(),
    )
    two_years_ago = timezone.now() - datetime.timedelta(days=2 * 365 + 1)
    ScreeningSession.objects.filter(pk=session.pk).update(started_at=two_years_ago)
    page = (
        client_for(personas.clinician)
        .get(reverse("screening:session", args=[adult_now.pk, session.pk]))
        .content.decode()
    )
    assert "Minor pathway" in page
    assert 'value="T76.52"' in page


def test_history_reads_the_newest_results(personas):
    from lantern.screening import history

    for _ in range(3):
        completed(personas, "phq-9")
    newest = ScreeningResult.objects.order_by("-recorded_at", "-pk")[:2]
    rows = history.rows(personas.patient, limit=2)
    assert [row.result.pk for row in rows] == [result.pk for result in newest]


def test_one_threshold_that_is_not_allowed_saves_none_of_the_choices(personas, client_for):
    from lantern.screening.models import ClinicThreshold

    response = client_for(personas.admin).post(
        reverse("screening:thresholds"),
        {
            f"t-{personas.clinic.pk}-pc-ptsd-5": "4",
            f"t-{personas.clinic.pk}-phq-2": "9",
        },
        follow=True,
    )
    assert "no threshold was changed" in response.content.decode()
    assert not ClinicThreshold.objects.exists()


def test_a_stored_threshold_a_new_instrument_version_no_longer_allows_falls_back(personas):
    from lantern.screening.models import ClinicThreshold

    ClinicThreshold.objects.create(
        clinic=personas.clinic, instrument_id="pc-ptsd-5", threshold=9, changed_by=personas.admin
    )
    answers = {"ptsd-exposure": "yes"} | {f"ptsd-{n}": "yes" for n in (1, 2, 3)}
    session = completed(
        personas, "pc-ptsd-5", answers={"pc-ptsd-5": answers | {"ptsd-4": "no", "ptsd-5": "no"}}
    )
    assert (session.results.get().threshold, session.results.get().positive) == (3, True)


def test_a_refused_threshold_shows_the_page_again_with_every_choice_as_made(personas, client_for):
    from lantern.screening.models import ClinicThreshold

    response = client_for(personas.admin).post(
        reverse("screening:thresholds"),
        {f"t-{personas.clinic.pk}-pc-ptsd-5": "4", f"t-{personas.clinic.pk}-phq-2": "9"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    ptsd = page[page.index(f'name="t-{personas.clinic.pk}-pc-ptsd-5"') :]
    assert '<option value="4" selected>' in ptsd[: ptsd.index("</select>")]
    assert "no threshold was changed" in page
    assert not ClinicThreshold.objects.exists()


def test_thresholds_are_saved_all_or_nothing(personas):
    from lantern.screening.instruments import get_instrument
    from lantern.screening.models import ClinicThreshold

    ptsd, phq2 = get_instrument("pc-ptsd-5"), get_instrument("phq-2")
    with pytest.raises(services.ScreeningError):
        services.thresholds_save(
            actor=personas.admin,
            choices=[
                services.ThresholdChoice(personas.clinic, ptsd, 4),
                services.ThresholdChoice(personas.clinic, phq2, 9),
            ],
        )
    assert not ClinicThreshold.objects.exists()
    saved = services.thresholds_save(
        actor=personas.admin, choices=[services.ThresholdChoice(personas.clinic, ptsd, 4)]
    )
    assert saved == 1
    assert ClinicThreshold.objects.get().threshold == 4
