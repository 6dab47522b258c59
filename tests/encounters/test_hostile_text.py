"""Text anyone can type (names, recipients, notes, a tampered form) reaches the visit page
escaped exactly once, through the Python-written fields, consent tables and body map."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lantern.encounters import services
from tests.clients import stepped_up
from tests.encounters.conftest import give

HOSTILE = '"><script>alert(1)</script><img src=x onerror=alert(2)>&amp;'
ESCAPED = (
    "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;&amp;amp;"
)


def assert_escaped_once(page: str) -> None:
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "&amp;lt;script" not in page  # not escaped twice
    assert ESCAPED in page


@pytest.fixture
def hostile_visit(personas, visit):
    personas.clinician.display_name = HOSTILE[:60]
    personas.clinician.save()
    give(personas, visit, "general_exam", "touch")
    services.consent_record(
        actor=personas.clinician, patient=visit.patient, encounter=visit,
        scope="disclose_referral", status="given", method="verbal",
        recipient=HOSTILE, note=HOSTILE,
    )  # fmt: skip
    services.injury_record(
        actor=personas.clinician, encounter=visit, side="front", region="left_arm",
        kind="bruise", healing="healing", size="2 cm", note=HOSTILE,
    )  # fmt: skip
    return visit


def test_hostile_text_on_the_visit_page_is_escaped_once(personas, hostile_visit):
    page = stepped_up(personas.clinician).get(
        reverse("encounters:visit", args=[personas.patient.pk, hostile_visit.pk])
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert_escaped_once(text)
    # The recipient, its note and the injury note each show, escaped.
    assert text.count(ESCAPED) >= 3


def test_a_tampered_injury_form_shows_its_values_escaped(personas, visit):
    give(personas, visit, "general_exam", "touch")
    client = stepped_up(personas.clinician)
    url = reverse("encounters:injury_add", args=[personas.patient.pk, visit.pk])
    response = client.post(
        url,
        {"side": HOSTILE, "region": HOSTILE, "kind": "bruise", "healing": "healing",
         "size": HOSTILE[:40], "note": HOSTILE},
    )  # fmt: skip
    text = response.content.decode()
    assert response.status_code in (200, 400)
    assert "<script>alert" not in text
    assert "<img src=x" not in text
    assert "&amp;lt;" not in text
    assert ESCAPED in text  # the note given back in its textarea


@pytest.mark.parametrize(
    ("method", "name", "query"),
    [
        ("post", "patients:search", {"q": HOSTILE}),
        ("post", "referrals:directory", {"q": HOSTILE, "language": HOSTILE}),  # an error naming it
    ],
)
def test_a_hostile_search_comes_back_escaped(personas, method, name, query):
    client = stepped_up(personas.clinician)
    response = getattr(client, method)(reverse(name), query)
    assert response.status_code == 200
    text = response.content.decode()
    assert "<script>alert" not in text
    assert "<img src=x" not in text
    assert "&amp;lt;" not in text
    assert ESCAPED in text  # the query given back in its box
