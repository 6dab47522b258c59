"""Prefer not to answer: offered on every question a patient answers, and shown honestly.

A questionnaire with a declined question is incomplete, never a low score; flags still fire
from what was answered; ASQ says that declining counts as a positive screen (NIMH).
"""

from __future__ import annotations

import re

from django.urls import reverse

from lantern.screening import services
from lantern.screening.models import ScreeningResult, ScreeningSession

ASQ_DECLINED = {f"asq-{n}": "declined" for n in range(1, 5)} | {"asq-5": "no"}
PHQ9_NONE = {f"phq9-{n}": "not_at_all" for n in range(1, 10)}


def session_of(personas, *instrument_ids, mode="clinician"):
    return services.screening_start(
        actor=personas.clinician,
        patient=personas.patient,
        instrument_ids=list(instrument_ids),
        language="en",
        mode=mode,
    )


def results_page(client, personas, session):
    url = reverse("screening:session", args=[personas.patient.pk, session.pk])
    return client.get(url).content.decode()


def text(html):
    return " ".join(re.sub(r"<[^>]+>", " ", html).split()).replace(" :", ":")


def score_row(page, abbreviation):
    """The (score, result) cells of the questionnaire's row in the scores table, as text."""
    rows = re.findall(r"<tr>.*?</tr>", page, flags=re.S)
    (row,) = [row for row in rows if abbreviation in row]
    return " | ".join(text(cell) for cell in re.findall(r"<td>(.*?)</td>", row, flags=re.S))


def test_asq_with_questions_1_to_4_declined_says_declining_is_a_positive_screen(
    personas, client_for
):
    client = client_for(personas.clinician)
    session = session_of(personas, "asq")
    ask = reverse("screening:ask", args=[personas.patient.pk, session.pk, "asq"])
    client.post(ask, ASQ_DECLINED)
    row = score_row(results_page(client, personas, session), "(ASQ)")
    assert "Questions 1, 2, 3 and 4 declined" in row
    assert "Declining to answer counts as a positive screen (NIMH ASQ toolkit)" in row
    assert "Positive" in row
    assert "positive from 1" not in row
    assert not re.search(r"\b0\b", row)  # no total of 0 next to a positive result
    assert "Non-acute positive screen" in row


def test_phq9_with_a_declined_question_shows_incomplete_not_a_low_score(personas, client_for):
    client = client_for(personas.clinician)
    session = session_of(personas, "phq-9")
    ask = reverse("screening:ask", args=[personas.patient.pk, session.pk, "phq-9"])
    page = client.get(ask).content.decode()
    assert page.count(">Prefer not to answer<") == 0  # labelled, inside each question's label
    assert len(re.findall(r'value="declined"', page)) == 10  # nine questions and the last one
    client.post(ask, PHQ9_NONE | {"phq9-6": "declined"})
    result = ScreeningResult.objects.get()
    assert (result.total, result.band_code, result.positive) == (None, "", False)
    row = score_row(results_page(client, personas, session), "(PHQ-9)")
    assert "Question 6 declined: incomplete, so there is no total." in row
    assert "Incomplete: not a negative result" in row
    assert "Negative" not in row
    assert "Minimal" not in row
    history = client.get(reverse("screening:overview", args=[personas.patient.pk])).content
    assert "not comparable: incomplete" in history.decode()


def test_item_9_still_flags_when_other_questions_are_declined(personas, client_for):
    client = client_for(personas.clinician)
    session = session_of(personas, "phq-9")
    ask = reverse("screening:ask", args=[personas.patient.pk, session.pk, "phq-9"])
    declined = {f"phq9-{n}": "declined" for n in range(1, 9)}
    client.post(ask, declined | {"phq9-9": "more_than_half"})
    page = results_page(client, personas, session)
    assert "Urgent: possible suicide risk" in page
    assert "Questions 1, 2, 3, 4, 5, 6, 7 and 8 declined" in page


def test_the_tablet_offers_prefer_not_to_answer_on_every_question_in_spanish(personas, client_for):
    client = client_for(personas.clinician)
    session = session_of(personas, "gad-7", mode="kiosk")
    client.post(reverse("screening:kiosk_handover", args=[personas.patient.pk, session.pk]))
    client.post(reverse("screening:kiosk_language"), {"language": "es"})
    page = client.get(reverse("screening:kiosk_questions", args=["gad-7"])).content.decode()
    questions = len(re.findall(r"<fieldset", page))
    assert questions == 7
    assert page.count("Prefiero no responder") == questions
    answers = {f"gad7-{n}": "declined" for n in range(1, 8)}
    saved = client.post(reverse("screening:kiosk_questions", args=["gad-7"]), answers)
    assert saved.status_code == 302  # declining every question is allowed: nothing is forced
    result = ScreeningResult.objects.get()
    assert (result.total, result.positive) == (None, False)
    assert ScreeningSession.objects.get().status == "completed"
