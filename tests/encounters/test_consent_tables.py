"""The consent tables of the visit page are written in Python (``{% consent_now_rows %}``,
``{% consent_history_rows %}``) rather than by template loops: every row must be the same,
character for character, whatever the decision, its expiry, who gave it, the recipient and
the note, with and without the right to withdraw, in each language."""

from __future__ import annotations

import datetime

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import resolve, reverse
from django.utils import timezone, translation

from lantern.encounters import services
from lantern.encounters.models import ConsentRecord
from lantern.encounters.views.page import _history, consent_rows
from tests.clients import stepped_up
from tests.encounters.conftest import give
from tests.factories import make_patient

NOW_ROWS = "{% load consent_tables %}{% consent_now_rows consent_rows %}"
HISTORY_ROWS = "{% load consent_tables %}{% consent_history_rows consent_history %}"
REFERENCE_NOW = '{% include "encounters/_consent_now_rows.html" %}'
REFERENCE_HISTORY = '{% include "encounters/_consent_history_rows.html" %}'


def both_ways(context: Context) -> list[tuple[str, str]]:
    """(ours, the template's) for each table."""
    return [
        (Template(ours).render(context), Template(theirs).render(context))
        for ours, theirs in ((NOW_ROWS, REFERENCE_NOW), (HISTORY_ROWS, REFERENCE_HISTORY))
    ]


def record(personas, visit, scope, **values):
    values = {"status": "given", "method": "verbal"} | values
    return services.consent_record(
        actor=personas.clinician, patient=visit.patient, encounter=visit, scope=scope, **values
    )


@pytest.fixture
def decided(personas, visit):
    """A visit with a decision of every kind: given, declined, deferred, withdrawn, expiring,
    through an interpreter, for named recipients, with notes that need escaping."""
    # Single digits everywhere, and a different day in the clinic's time zone than in UTC.
    soon = datetime.datetime(2031, 3, 5, 3, 4, tzinfo=datetime.UTC)
    personas.clinician.display_name = "Dr. O'Neil <on call> & co"
    personas.clinician.save()
    give(personas, visit, "general_exam", "touch")
    record(personas, visit, "undress", status="declined", note="Not today.\nMaybe <later> & 'so'")
    record(personas, visit, "blood_draw", status="deferred", interpreter_used=True)
    record(personas, visit, "photographs", method="written", expires_at=soon)
    for recipient in ("Harbor Legal Aid", "O'Brien & <Sons>"):
        record(personas, visit, "disclose_referral", recipient=recipient, method="signature")
    services.consent_withdraw(actor=personas.clinician, record=visit.consents.get(scope="touch"))
    return visit


def contexts(personas, visit, can_write: bool) -> list[Context]:
    records = _history(visit.patient, visit)
    values = {
        "consent_rows": consent_rows(visit, records),
        "consent_history": records,
        "can_write": can_write,
        "patient": visit.patient,
        "visit": visit,
        "csrf_token": "token-<&>",
    }
    url = reverse("encounters:visit", args=[visit.patient.pk, visit.pk])
    request = RequestFactory().get(url)
    request.resolver_match = resolve(url)  # {% url %} reverses within its application
    within_request = Context(values)
    within_request.request = request
    return [Context(values), within_request]


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("can_write", [True, False])
def test_every_consent_row_is_written_as_the_template_writes_it(
    personas, decided, language, can_write
):
    with translation.override(language):
        for context in contexts(personas, decided, can_write):
            for ours, theirs in both_ways(context):
                assert ours == theirs
    assert ConsentRecord.objects.filter(encounter=decided).count() == 8


def test_a_guardians_decision_for_a_minor_is_written_as_the_template_writes_it(personas):
    teen = make_patient(
        actor=personas.clinician,
        clinic=personas.clinic,
        preferred_name="Ana Teen",
        birth_date=timezone.localdate() - datetime.timedelta(days=15 * 365),
    )
    visit = services.encounter_start(
        actor=personas.clinician, patient=teen, clinic=personas.clinic, kind="clinic",
        companion="came_alone", interpreter="not_needed",
    )  # fmt: skip
    record(personas, visit, "general_exam", given_by="guardian")
    for context in contexts(personas, visit, can_write=True):
        for ours, theirs in both_ways(context):
            assert ours == theirs
            assert "guardian" in ours


def test_no_decision_yet_is_written_as_the_template_writes_it(personas, visit):
    for context in contexts(personas, visit, can_write=True):
        (now, now_reference), (history, history_reference) = both_ways(context)
        assert now == now_reference
        assert now.count("<tr>") == len(consent_rows(visit, []))
        assert history == history_reference == ""


def test_the_visit_page_shows_the_rows_the_template_wrote(personas, decided):
    response = stepped_up(personas.clinician).get(
        reverse("encounters:visit", args=[personas.patient.pk, decided.pk])
    )
    page = response.content.decode()
    context = response.context[0].flatten()  # the page's own, csrf token and all
    for reference in (REFERENCE_NOW, REFERENCE_HISTORY):
        rows = Template(reference).render(Context(context))
        assert f"<tbody>\n    {rows}\n    </tbody>" in page
    assert page.count('name="csrfmiddlewaretoken"') > 4  # withdrawal forms included
