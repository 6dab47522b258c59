"""Self-screening on a clinic tablet: locked to the questions, quick exit, staff hand-back."""

from __future__ import annotations

from django.urls import reverse

from lantern.screening import services
from lantern.screening.models import ScreeningResult, ScreeningSession
from tests.clients import signed_in
from tests.factories import PASSWORD, fresh_code, make_patient

PHQ9_NONE = {f"phq9-{n}": "not_at_all" for n in range(1, 10)}


def kiosk_session(personas, client, *instrument_ids):
    session = services.screening_start(
        actor=personas.clinician,
        patient=personas.patient,
        instrument_ids=list(instrument_ids or ["phq-9"]),
        language="en",
        mode="kiosk",
    )
    client.post(reverse("screening:kiosk_handover", args=[personas.patient.pk, session.pk]))
    return session


def test_the_tablet_shows_only_the_questions_while_the_patient_has_it(personas, client_for):
    client = client_for(personas.clinician)
    kiosk_session(personas, client)
    for url in (
        reverse("patients:search"),
        reverse("patients:detail", args=[personas.patient.pk]),
        reverse("home"),
        reverse("audit:report"),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url == reverse("screening:kiosk")
    page = client.get(reverse("screening:kiosk")).content.decode()
    assert "Choose your language" in page
    assert "Rosa" not in page
    assert personas.clinician.display_name not in page
    assert personas.clinician.username not in page


def test_the_patient_answers_in_spanish_and_hands_the_tablet_back(personas, client_for):
    client = client_for(personas.clinician)
    session = kiosk_session(personas, client)
    client.post(reverse("screening:kiosk_language"), {"language": "es"})
    questions = client.get(reverse("screening:kiosk"), follow=True).content.decode()
    assert 'lang="es"' in questions
    assert "Poco interés o placer en hacer cosas" in questions
    assert "Exit now" not in questions
    assert "Salir ahora" in questions
    client.post(reverse("screening:kiosk_questions", args=["phq-9"]), PHQ9_NONE)
    done = client.get(reverse("screening:kiosk"), follow=True).content.decode()
    assert "Gracias" in done
    result = ScreeningResult.objects.get()
    assert result.recorded_by is None  # the patient answered
    # Results stay closed until staff take the tablet back with password and code.
    assert client.get(
        reverse("screening:session", args=[personas.patient.pk, session.pk])
    ).url == reverse("screening:kiosk")
    wrong = client.post(
        reverse("screening:kiosk_unlock"), {"password": "nope", "otp_token": "000000"}
    )
    assert "was not right" in wrong.content.decode()
    unlocked = client.post(
        reverse("screening:kiosk_unlock"),
        {"password": PASSWORD, "otp_token": fresh_code(personas.clinician)},
    )
    assert unlocked.url == reverse("screening:session", args=[personas.patient.pk, session.pk])
    assert client.get(unlocked.url).status_code == 200
    session.refresh_from_db()
    assert session.kiosk_token is None
    assert session.results_released_by == personas.clinician


def test_quick_exit_turns_the_screen_neutral_until_staff_return(personas, client_for):
    client = client_for(personas.clinician)
    session = kiosk_session(personas, client)
    client.post(reverse("screening:kiosk_language"), {"language": "en"})
    response = client.get(reverse("screening:kiosk_exit"))
    neutral = client.get(response.url).content.decode()
    assert "Please have a seat" in neutral
    assert (
        "Little interest"
        not in client.get(
            reverse("screening:kiosk_questions", args=["phq-9"]), follow=True
        ).content.decode()
    )
    assert "no-store" in client.get(reverse("screening:kiosk"))["Cache-Control"]
    session.refresh_from_db()
    assert session.kiosk_exited_at is not None


def test_a_spent_kiosk_token_opens_nothing_for_another_patient(personas, client_for):
    client = client_for(personas.clinician)
    session = kiosk_session(personas, client)
    old_token = session.kiosk_token
    client.post(
        reverse("screening:kiosk_unlock"),
        {"password": PASSWORD, "otp_token": fresh_code(personas.clinician)},
    )
    other = make_patient(
        actor=personas.clinician, clinic=personas.clinic, preferred_name="Ana Ruiz"
    )
    tablet = client_for(personas.clinician)
    state = tablet.session
    state["lantern_kiosk_token"] = old_token
    state["lantern_kiosk_token_language"] = "en"
    state.save()
    tablet.post(reverse("screening:kiosk_questions", args=["phq-9"]), PHQ9_NONE)
    assert not ScreeningResult.objects.exists()
    assert not other.screening_results.exists()
    assert "Please have a seat" in tablet.get(reverse("screening:kiosk")).content.decode()


def test_a_clinician_only_checklist_cannot_go_on_the_tablet(personas, client_for):
    response = client_for(personas.clinician).post(
        reverse("screening:overview", args=[personas.patient.pk]),
        {"instrument_ids": ["lantern-indicators"], "language": "en", "mode": "kiosk"},
    )
    assert "is asked by staff, not answered alone on a tablet" in response.content.decode()
    assert not ScreeningSession.objects.exists()


def test_a_sensitive_questionnaire_on_the_tablet_needs_the_privacy_gate_first(personas, client_for):
    response = client_for(personas.clinician).post(
        reverse("screening:overview", args=[personas.patient.pk]),
        {"instrument_ids": ["pc-ptsd-5"], "language": "en", "mode": "kiosk"},
    )
    session = ScreeningSession.objects.get()
    assert response.url == reverse("screening:privacy", args=[personas.patient.pk, session.pk])


def answered_on_the_tablet(personas, client, answers):
    session = kiosk_session(personas, client)
    client.post(reverse("screening:kiosk_language"), {"language": "en"})
    client.post(reverse("screening:kiosk_questions", args=["phq-9"]), answers)
    return session


def test_results_stay_closed_to_a_workstation_until_someone_takes_over(personas, client_for):
    from lantern.screening.models import FlagAcknowledgement
    from tests.clients import stepped_up

    session = answered_on_the_tablet(
        personas, client_for(personas.clinician), PHQ9_NONE | {"phq9-9": "several_days"}
    )
    result = ScreeningResult.objects.get()
    patient = personas.patient.pk
    workstation = client_for(personas.clinician)
    waiting = workstation.get(reverse("screening:session", args=[patient, session.pk]))
    page = waiting.content.decode()
    assert "An answer needs attention now." in page
    assert "suicide" not in page.lower()  # the answers themselves stay closed
    acknowledge = workstation.post(
        reverse("screening:acknowledge", args=[patient, result.pk]),
        {"flag": "suicide_risk", f"ack-{result.pk}-suicide_risk-action_taken": "Talked"},
    )
    code = workstation.post(
        reverse("screening:decide_code", args=[patient, result.pk]),
        {"code": "T74.51XA", "decision": "confirmed", "discussed_with_patient": "on"},
    )
    assert (acknowledge.status_code, code.status_code) == (404, 404)
    assert not FlagAcknowledgement.objects.exists()
    # Taking over asks for password and code first; afterwards the results open.
    release = reverse("screening:release", args=[patient, session.pk])
    assert workstation.post(release).url.startswith(reverse("accounts:confirm"))
    session.refresh_from_db()
    assert session.results_released_at is None
    confirmed = stepped_up(personas.clinician)
    opened = confirmed.post(release, follow=True).content.decode()
    assert "Urgent: possible suicide risk" in opened
    session.refresh_from_db()
    assert session.results_released_by == personas.clinician
    assert session.kiosk_token is None


def test_answers_saved_on_the_tablet_are_never_reopened_there(personas, client_for):
    client = client_for(personas.clinician)
    answered_on_the_tablet(personas, client, PHQ9_NONE)
    again = client.post(
        reverse("screening:kiosk_questions", args=["phq-9"]),
        PHQ9_NONE | {"phq9-1": "nearly_every_day"},
    )
    assert again.url == reverse("screening:kiosk")
    page = client.get(reverse("screening:kiosk_questions", args=["phq-9"]), follow=True)
    assert "Little interest" not in page.content.decode()
    result = ScreeningResult.objects.get()
    assert result.answers["phq9-1"] == "not_at_all"


def test_the_thank_you_page_turns_neutral_after_a_quick_exit(personas, client_for):
    client = client_for(personas.clinician)
    answered_on_the_tablet(personas, client, PHQ9_NONE)
    assert "Thank you" in client.get(reverse("screening:kiosk_done")).content.decode()
    client.get(reverse("screening:kiosk_exit"))
    page = client.get(reverse("screening:kiosk_done")).content.decode()
    assert "Please have a seat" in page
    assert "Thank you" not in page


def test_the_tablet_is_not_handed_over_before_the_privacy_gate(personas, client_for):
    client = client_for(personas.clinician)
    session = services.screening_start(
        actor=personas.clinician,
        patient=personas.patient,
        instrument_ids=["pc-ptsd-5"],
        language="en",
        mode="kiosk",
    )
    response = client.post(
        reverse("screening:kiosk_handover", args=[personas.patient.pk, session.pk])
    )
    assert response.url == reverse("screening:privacy", args=[personas.patient.pk, session.pk])
    session.refresh_from_db()
    assert session.kiosk_token is None
    assert "Please have a seat" in client.get(reverse("screening:kiosk")).content.decode()


def test_a_released_session_cannot_be_handed_over_again(personas, client_for):
    client = client_for(personas.clinician)
    session = answered_on_the_tablet(personas, client, PHQ9_NONE)
    client.post(
        reverse("screening:kiosk_unlock"),
        {"password": PASSWORD, "otp_token": fresh_code(personas.clinician)},
    )
    again = client.post(reverse("screening:kiosk_handover", args=[personas.patient.pk, session.pk]))
    assert again.status_code == 404
    session.refresh_from_db()
    assert session.kiosk_token is None


def test_the_hand_over_service_itself_refuses_a_session_not_ready_for_the_tablet(personas):
    import pytest

    def session(*instrument_ids, mode="kiosk"):
        return services.screening_start(
            actor=personas.clinician,
            patient=personas.patient,
            instrument_ids=list(instrument_ids),
            language="en",
            mode=mode,
        )

    for not_ready in (session("pc-ptsd-5"), session("phq-9", mode="clinician")):
        with pytest.raises(services.ScreeningError):
            services.kiosk_handover(actor=personas.clinician, session=not_ready)
        not_ready.refresh_from_db()
        assert not_ready.kiosk_token is None


def test_the_tablet_never_calls_a_question_required(personas, client_for):
    """The welcome says nothing has to be answered: no question on the tablet is marked
    required, and one left out asks for an answer or "prefer not to answer" instead."""
    client = client_for(personas.clinician)
    kiosk_session(personas, client, "asq", "phq-9")
    client.post(reverse("screening:kiosk_language"), {"language": "es"})
    page = client.get(reverse("screening:kiosk"), follow=True).content.decode()
    assert "¿ha deseado estar muerto(a)?" in page
    assert "obligatorio" not in page
    left_out = client.post(reverse("screening:kiosk_questions", args=["asq"]), {})
    page = left_out.content.decode()
    assert page.count("Elija una respuesta, o “Prefiero no responder”.") == 4 * 2  # list, field
    assert "obligatorio" not in page
    assert not ScreeningResult.objects.exists()


def test_staff_asking_the_questions_still_see_which_are_required(personas, client_for):
    client = client_for(personas.clinician)
    session = services.screening_start(
        actor=personas.clinician,
        patient=personas.patient,
        instrument_ids=["phq-9"],
        language="en",
        mode="clinician",
    )
    ask = reverse("screening:ask", args=[personas.patient.pk, session.pk, "phq-9"])
    assert "(required)" in client.get(ask).content.decode()
    assert "This field is required." in client.post(ask, {}).content.decode()


def test_an_urgent_answer_not_yet_saved_reaches_staff_as_soon_as_the_patient_exits(
    personas, client_for
):
    """Chosen on the tablet, not saved, then quick exit: the tablet never goes back to the
    patient, so the answer's flag shows at once on staff pages, not only once someone
    takes the tablet back."""
    tablet = client_for(personas.clinician)
    kiosk_session(personas, tablet, "asq", "phq-9")
    tablet.post(reverse("screening:kiosk_language"), {"language": "en"})
    acute = {"asq-1": "yes", "asq-2": "no", "asq-3": "no", "asq-4": "no", "asq-5": "yes"}
    tablet.post(reverse("screening:kiosk_questions", args=["asq"]), acute | {"_preview": "1"})
    assert not ScreeningResult.objects.exists()  # chosen, never saved
    tablet.get(reverse("screening:kiosk_exit"))

    workstation = signed_in(personas.clinician)
    for page in (
        reverse("patients:search"),
        reverse("patients:detail", args=[personas.patient.pk]),
    ):
        shown = workstation.get(page).content.decode()
        assert "Needs attention now" in shown, page
        assert "a screening answer shows an imminent risk" in shown
        assert "a tablet that is still with the patient" in shown
    result = ScreeningResult.objects.get()
    assert result.awaiting_acknowledgement
    assert result.recorded_by is None
