"""Urgent flags show at once and stay in view until a clinician acknowledges them.

An acute ASQ answer (or PHQ-9 item 9 above zero) opens the next questionnaire of the
screening with the urgent panel; until acknowledged, a banner stays on the patient page,
the visit page and the staff start page of everyone who may open the patient, and of no
one else. The banner names no diagnosis.
"""

from __future__ import annotations

from importlib import import_module

from django.apps import apps
from django.urls import reverse

from lantern.audit.models import AuditEvent
from lantern.encounters import services as visit_services
from lantern.screening import services
from lantern.screening.models import ScreeningResult

ASQ_ACUTE = {"asq-1": "yes", "asq-2": "no", "asq-3": "no", "asq-4": "no", "asq-5": "yes"}
PHQ9_ITEM_9 = {f"phq9-{n}": "not_at_all" for n in range(1, 9)} | {"phq9-9": "several_days"}
BANNER = 'id="urgent-banner-heading"'


def ask_url(personas, session, instrument_id):
    return reverse("screening:ask", args=[personas.patient.pk, session.pk, instrument_id])


def flagged(personas, instrument_id="phq-9", answers=PHQ9_ITEM_9):
    session = services.screening_start(
        actor=personas.clinician,
        patient=personas.patient,
        instrument_ids=[instrument_id],
        language="en",
    )
    return services.result_record(
        actor=personas.clinician, session=session, instrument_id=instrument_id, answers=answers
    )


def acknowledge(client, personas, result, flag="suicide_risk", **extra):
    return client.post(
        reverse("screening:acknowledge", args=[personas.patient.pk, result.pk]),
        {"flag": flag, f"ack-{result.pk}-{flag}-action_taken": "Stayed with her.", **extra},
    )


def pages(personas):
    visit = visit_services.encounter_start(
        actor=personas.clinician,
        patient=personas.patient,
        clinic=personas.clinic,
        kind="clinic",
        companion="came_alone",
        interpreter="not_needed",
    )
    return {
        "patient": reverse("patients:detail", args=[personas.patient.pk]),
        "visit": reverse("encounters:visit", args=[personas.patient.pk, visit.pk]),
        "start": reverse("patients:search"),
    }


def test_an_acute_asq_answer_opens_the_next_questionnaire_with_the_urgent_panel(
    personas, client_for
):
    client = client_for(personas.clinician)
    session = services.screening_start(
        actor=personas.clinician,
        patient=personas.patient,
        instrument_ids=["asq", "phq-9"],
        language="en",
    )
    saved = client.post(ask_url(personas, session, "asq"), ASQ_ACUTE)
    assert saved.url == ask_url(personas, session, "phq-9")
    page = client.get(saved.url).content.decode()
    panel = page[page.index('class="panel panel--danger urgent"') :]
    assert "Imminent risk: act now" in panel
    assert "cannot leave until evaluated" in panel
    assert f'name="next" value="{saved.url}"' in panel
    assert page.index("Imminent risk") < page.index("Little interest or pleasure")

    result = ScreeningResult.objects.get(instrument_id="asq")
    back = acknowledge(client, personas, result, "imminent_suicide_risk", next=saved.url)
    assert back.url == saved.url  # the clinician goes on with the next questionnaire
    again = client.get(saved.url).content.decode()
    assert "Imminent risk: act now" not in again
    assert "Little interest or pleasure" in again


def test_item_9_shows_on_the_next_questionnaire_too(personas, client_for):
    client = client_for(personas.clinician)
    session = services.screening_start(
        actor=personas.clinician,
        patient=personas.patient,
        instrument_ids=["phq-9", "gad-7"],
        language="en",
    )
    saved = client.post(ask_url(personas, session, "phq-9"), PHQ9_ITEM_9)
    page = client.get(saved.url).content.decode()
    assert "Urgent: possible suicide risk" in page
    assert "Feeling nervous, anxious, or on edge" in page


def test_an_unacknowledged_flag_stays_on_the_patient_visit_and_start_pages(personas, client_for):
    result = flagged(personas)
    urls = pages(personas)
    client = client_for(personas.clinician)
    for name, url in urls.items():
        page = client.get(url).content.decode()
        assert BANNER in page, name
        banner = page[page.index(BANNER) : page.index("</section>", page.index(BANNER))]
        assert "Needs attention now" in banner
        assert "suicide" not in banner.lower()  # no diagnosis on a screen others may see
        assert reverse("screening:session", args=[personas.patient.pk, result.session_id]) in (
            banner
        )
        assert ("Rosa Delgado" in banner) == (name == "start")

    acknowledge(client, personas, result)
    assert not ScreeningResult.objects.get().awaiting_acknowledgement
    for url in urls.values():
        assert BANNER not in client.get(url).content.decode()


def test_the_banner_reaches_only_those_who_may_open_the_patient(personas, client_for):
    flagged(personas)
    start = reverse("patients:search")
    assert BANNER in client_for(personas.clinician).get(start).content.decode()
    for persona in (personas.colleague, personas.outsider):
        page = client_for(persona).get(start).content.decode()
        assert BANNER not in page
        assert "Rosa" not in page


def test_a_flag_from_a_tablet_still_with_the_patient_shows_on_the_start_page(personas, client_for):
    session = services.screening_start(
        actor=personas.clinician,
        patient=personas.patient,
        instrument_ids=["phq-9"],
        language="en",
        mode="kiosk",
    )
    services.kiosk_handover(actor=personas.clinician, session=session)
    services.result_record(actor=None, session=session, instrument_id="phq-9", answers=PHQ9_ITEM_9)
    page = client_for(personas.clinician).get(reverse("patients:search")).content.decode()
    assert "still with the patient" in page
    assert BANNER in page


def test_naming_a_patient_on_the_start_page_is_audited(personas, client_for):
    flagged(personas)
    client_for(personas.clinician).get(reverse("patients:search"))
    assert AuditEvent.objects.filter(
        action="read",
        patient_id=personas.patient.pk,
        category="mental_health",
        detail="unacknowledged urgent flag shown",
    ).exists()


def test_a_flag_is_no_longer_awaited_once_it_is_acknowledged(personas):
    result = flagged(personas)
    assert result.awaiting_acknowledgement
    services.flag_acknowledge(
        actor=personas.clinician, result=result, flag="suicide_risk", action_taken="Assessed."
    )
    result.refresh_from_db()
    assert not result.awaiting_acknowledgement


def test_the_upgrade_marks_earlier_unacknowledged_flags(personas):
    waiting = flagged(personas)
    done = flagged(personas)
    services.flag_acknowledge(
        actor=personas.clinician, result=done, flag="suicide_risk", action_taken="Assessed."
    )
    calm = flagged(personas, answers={f"phq9-{n}": "not_at_all" for n in range(1, 10)})
    ScreeningResult.objects.update(awaiting_acknowledgement=False)  # as before the upgrade
    upgrade = import_module("lantern.screening.migrations.0004_result_awaiting_acknowledgement")
    upgrade.mark_awaiting(apps, None)
    awaited = set(ScreeningResult.objects.filter(awaiting_acknowledgement=True))
    assert awaited == {waiting}
    assert calm not in awaited


def test_a_banner_opens_no_sealed_value_it_does_not_show(personas, client_for, opened):
    """The banner shows a patient's name (on the start page) and when the flag was raised:
    the screening's notes, its tablet draft and the patient's other details stay sealed."""
    for _ in range(3):
        flagged(personas)
    client = client_for(personas.clinician)
    for page in pages(personas).values():
        opened.clear()
        assert BANNER in client.get(page).content.decode()
        assert not opened & {
            "screening.screeningsession.interpreter_reason",
            "screening.screeningsession.deferral_note",
            "screening.screeningsession.kiosk_draft",
            "screening.screeningresult.answers",
        }, page
