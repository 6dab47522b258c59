"""A tablet left idle: a neutral page in the patient's language, quick exit first, the
answers kept, and staff sign in again on the tablet to give it back or take it back.

Before, the idle time-out dropped the tablet to the English staff sign-in page and its
screening was gone from it. The clock is moved with time-machine, never waited for.
"""

from __future__ import annotations

import re
import time

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from lantern.accounts.models import CareTeamMember
from lantern.audit.models import AuditEvent
from lantern.screening import services
from lantern.screening.models import ScreeningResult, ScreeningSession
from lantern.training.models import TrainingPolicy
from tests.clients import signed_in, stepped_up
from tests.factories import PASSWORD, UserFactory, fresh_code

PHQ9_NONE = {f"phq9-{n}": "not_at_all" for n in range(1, 10)}
GAD7_SO_FAR = {"gad7-1": "several_days", "gad7-2": "more_than_half", "gad7-3": "declined"}
SIXTEEN_MINUTES = 16 * 60


def es(text):
    from django.utils import translation

    with translation.override("es"):
        return translation.gettext(text)


LEAD_ES = es("Please have a seat. Someone will be with you shortly.")


@pytest.fixture
def clock():
    with time_machine.travel(time.time(), tick=False) as traveller:
        yield traveller


def on_the_tablet(personas, client, *instrument_ids, language="es"):
    session = services.screening_start(
        actor=personas.clinician,
        patient=personas.patient,
        instrument_ids=list(instrument_ids),
        language="es",
        mode="kiosk",
    )
    client.post(reverse("screening:kiosk_handover", args=[personas.patient.pk, session.pk]))
    client.post(reverse("screening:kiosk_language"), {"language": language})
    return session


def part_way(personas, clock):
    """PHQ-9 saved, GAD-7 half answered, then the tablet is left for sixteen minutes."""
    client = signed_in(personas.clinician)
    session = on_the_tablet(personas, client, "phq-9", "gad-7")
    client.post(reverse("screening:kiosk_questions", args=["phq-9"]), PHQ9_NONE)
    client.post(
        reverse("screening:kiosk_questions", args=["gad-7"]),
        {**GAD7_SO_FAR, "_preview": "1"},
        headers={"HX-Request": "true"},
    )
    clock.shift(SIXTEEN_MINUTES)
    return client, session


def sign_in_on_the_tablet(client, user):
    signed = client.post(
        reverse("accounts:login") + "?next=/kiosk/",
        {
            "username": user.username,
            "password": PASSWORD,
        },
    )
    assert signed.status_code == 302
    verified = client.post(signed.url, {"otp_token": fresh_code(user)})
    assert verified.url == reverse("screening:kiosk")
    return client.get(verified.url)


def test_an_idle_tablet_shows_a_neutral_page_in_the_patients_language(personas, clock):
    client, session = part_way(personas, clock)
    moved = client.get(reverse("screening:kiosk_questions", args=["gad-7"]))
    assert moved.url == reverse("screening:kiosk")  # not the staff sign-in page
    page = client.get(moved.url)
    text = page.content.decode()
    assert '<html lang="es">' in text
    assert LEAD_ES.startswith("Por favor")
    assert LEAD_ES in text
    first_link = re.search(r'<a [^>]*href="([^"]+)"[^>]*>([^<]+)</a>', text)
    assert first_link.group(1) == reverse("screening:kiosk_exit")  # quick exit comes first
    assert first_link.group(2) == "Salir ahora"
    for never in ("Rosa", "Sunny", personas.clinician.display_name, 'name="password"'):
        assert never not in text
    assert "no-store" in page["Cache-Control"]
    session.refresh_from_db()
    assert session.kiosk_idle_at is not None
    assert session.kiosk_draft["gad-7"] == GAD7_SO_FAR  # the answers so far are kept
    assert AuditEvent.objects.filter(action="logout", detail="idle time-out on a tablet").exists()


def test_nothing_but_the_neutral_page_opens_until_staff_sign_in(personas, clock):
    client, session = part_way(personas, clock)
    client.get(reverse("screening:kiosk"))
    for url in (
        reverse("screening:kiosk_questions", args=["gad-7"]),
        reverse("screening:kiosk_done"),
        reverse("patients:detail", args=[personas.patient.pk]),
        reverse("screening:session", args=[personas.patient.pk, session.pk]),
        reverse("home"),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url == reverse("screening:kiosk"), url
    assert client.post(reverse("screening:kiosk_resume"), {"to": "patient"}).url == reverse(
        "screening:kiosk"
    )
    session.refresh_from_db()
    assert session.kiosk_idle_at is not None


def test_staff_sign_in_again_and_give_the_tablet_back_with_the_answers_kept(personas, clock):
    client, session = part_way(personas, clock)
    client.get(reverse("screening:kiosk"))
    staff = client.get(reverse("screening:kiosk_unlock"))
    assert staff.url.startswith(reverse("accounts:login"))
    resume = sign_in_on_the_tablet(client, personas.clinician).content.decode()
    assert "Give the tablet back to the patient" in resume
    assert "Take the tablet back and see the answers" in resume
    back = client.post(reverse("screening:kiosk_resume"), {"to": "patient"})
    assert back.url == reverse("screening:kiosk")
    questions = client.get(back.url)
    assert questions.url == reverse("screening:kiosk_questions", args=["gad-7"])
    page = client.get(questions.url).content.decode()
    assert '<html lang="es">' in page
    for link_id, code in GAD7_SO_FAR.items():
        assert re.search(rf'name="{link_id}" value="{code}"[^>]*checked', page), link_id
    session.refresh_from_db()
    assert session.kiosk_idle_at is None
    assert ScreeningResult.objects.filter(instrument_id="phq-9").exists()


def test_staff_take_the_tablet_back_and_see_the_unfinished_answers(personas, clock):
    client, session = part_way(personas, clock)
    client.get(reverse("screening:kiosk"))
    sign_in_on_the_tablet(client, personas.clinician)
    taken = client.post(reverse("screening:kiosk_resume"), {"to": "staff"})
    assert taken.url == reverse("screening:session", args=[personas.patient.pk, session.pk])
    page = client.get(taken.url).content.decode()
    assert "Not finished" in page
    assert "Questions 4, 5, 6 and 7 not answered" in page
    gad7 = ScreeningResult.objects.get(instrument_id="gad-7")
    assert gad7.total is None
    assert gad7.summary["declined"] == ["gad7-3"]
    session.refresh_from_db()
    assert (session.status, session.kiosk_token, session.kiosk_draft) == ("stopped", None, {})


def test_an_item_9_answer_never_saved_still_raises_its_flag_when_staff_take_over(personas, clock):
    client = signed_in(personas.clinician)
    session = on_the_tablet(personas, client, "phq-9")
    client.post(
        reverse("screening:kiosk_questions", args=["phq-9"]),
        {"phq9-1": "not_at_all", "phq9-9": "nearly_every_day", "_preview": "1"},
        headers={"HX-Request": "true"},
    )
    clock.shift(SIXTEEN_MINUTES)
    # A colleague takes over from a workstation; the patient never pressed "Save answers".
    workstation = stepped_up(personas.clinician)
    workstation.post(reverse("screening:release", args=[personas.patient.pk, session.pk]))
    result = ScreeningResult.objects.get()
    assert result.flags == ["suicide_risk"]
    assert result.awaiting_acknowledgement


def test_someone_off_the_care_team_cannot_resume_the_tablet(personas, clock):
    client, session = part_way(personas, clock)
    client.get(reverse("screening:kiosk"))
    stranger = UserFactory(username="float.nurse", clinics=[personas.clinic])
    page = sign_in_on_the_tablet(client, stranger).content.decode()
    assert "Only a member of this patient's care team" in page
    assert "Give the tablet back" not in page
    refused = client.post(reverse("screening:kiosk_resume"), {"to": "staff"})
    assert refused.status_code == 404
    session.refresh_from_db()
    assert session.kiosk_token is not None
    assert not session.results_released


def test_staff_without_current_training_cannot_give_the_tablet_back(personas, clock):
    """The clinic requires training before screening; the clinician who handed the tablet
    over has it, the colleague who finds it idle does not."""
    from tests.training.test_training import attest_all

    TrainingPolicy.objects.create(clinic=personas.clinic, required_for_screening=True)
    attest_all(personas.clinician)
    client, session = part_way(personas, clock)
    client.get(reverse("screening:kiosk"))
    colleague = UserFactory(username="day.nurse", clinics=[personas.clinic])
    CareTeamMember.objects.create(patient=personas.patient, user=colleague)
    sign_in_on_the_tablet(client, colleague)
    refused = client.post(reverse("screening:kiosk_resume"), {"to": "patient"})
    assert refused.status_code == 403
    assert "Modules to complete" in refused.content.decode()
    session.refresh_from_db()
    assert session.kiosk_idle_at is not None  # still locked: the patient does not get it back
    # Taking it back (which ends the self-screening) is still open to them.
    taken = client.post(reverse("screening:kiosk_resume"), {"to": "staff"})
    assert taken.url == reverse("screening:session", args=[personas.patient.pk, session.pk])


def test_quick_exit_still_works_on_the_idle_page(personas, clock):
    client, session = part_way(personas, clock)
    client.get(reverse("screening:kiosk"))
    client.get(reverse("screening:kiosk_exit"))
    page = client.get(reverse("screening:kiosk")).content.decode()
    assert "Salir ahora" not in page
    session.refresh_from_db()
    assert session.kiosk_exited_at is not None


def test_an_active_tablet_page_turns_neutral_by_itself_after_the_idle_time(personas):
    client = signed_in(personas.clinician)
    on_the_tablet(personas, client, "phq-9")
    page = client.get(reverse("screening:kiosk_questions", args=["phq-9"])).content.decode()
    assert 'data-idle-seconds="905"' in page
    assert f'data-idle-url="{reverse("screening:kiosk")}"' in page
    assert "lantern/kiosk.js" in page


def test_a_signed_out_browser_without_a_tablet_session_is_sent_to_sign_in(db):
    response = Client().get(reverse("screening:kiosk"))
    assert response.url.startswith(reverse("accounts:login"))
    assert ScreeningSession.objects.count() == 0


def test_staff_who_must_choose_a_new_password_can_on_an_idle_tablet(personas, clock):
    client, session = part_way(personas, clock)
    client.get(reverse("screening:kiosk"))
    personas.clinician.must_change_password = True
    personas.clinician.save(update_fields=["must_change_password"])
    page = sign_in_on_the_tablet_expecting(client, personas.clinician)
    assert page.status_code == 200
    assert 'name="new_password1"' in page.content.decode()
    session.refresh_from_db()
    assert session.kiosk_idle_at is not None


def sign_in_on_the_tablet_expecting(client, user):
    """Sign in with password and code, and follow wherever Lantern sends the person."""
    signed = client.post(
        reverse("accounts:login") + "?next=/kiosk/",
        {"username": user.username, "password": PASSWORD},
    )
    return client.post(signed.url, {"otp_token": fresh_code(user)}, follow=True)
