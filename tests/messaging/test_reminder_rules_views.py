"""A clinic's administrator or clinical lead sees and sets its reminder rules.

The rules decide what reaches patients: preferences older than the re-confirmation period
become a staff task instead of a message, and a clinic may require a code word.
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from lantern.accounts.models import Role
from lantern.audit.models import AuditEvent
from lantern.careplans import services as careplans
from lantern.careplans.reminding import reminders_sweep
from lantern.messaging.models import ContactDecision, ReminderRules
from tests.factories import UserFactory
from tests.messaging.conftest import safe_channel

pytestmark = pytest.mark.django_db
LIST = reverse("messaging:reminder_rules_list")


def edit_url(clinic):  # type: ignore[no-untyped-def]
    return reverse("messaging:reminder_rules", args=[clinic.pk])


def test_the_list_shows_each_clinic_with_lanterns_default_until_set(personas, client_for):
    page = client_for(personas.admin).get(LIST).content.decode()
    assert personas.clinic.name in page
    assert "90 days" in page
    assert "Lantern's default" in page
    assert personas.other_clinic.name not in page  # not one of the administrator's clinics


def test_an_administrator_sets_the_rules_and_it_is_audited(personas, client_for):
    client = client_for(personas.admin)
    response = client.post(
        edit_url(personas.clinic), {"reconfirm_days": "30", "require_code_word": "on"}
    )
    assert response.status_code == 302
    rules = ReminderRules.objects.get(clinic=personas.clinic)
    assert (rules.reconfirm_days, rules.require_code_word) == (30, True)
    entry = AuditEvent.objects.filter(action="update", object_type__contains="reminderrules")
    assert entry.get().detail.endswith("re-confirm after 30 days, code word required")
    page = client.get(LIST).content.decode()
    assert "Reminder rules saved." in page
    assert "30 days" in page
    assert "Lantern's default" not in page


def test_the_form_shows_the_rules_in_force(personas, client_for):
    ReminderRules.objects.create(clinic=personas.clinic, reconfirm_days=45, require_code_word=True)
    page = client_for(personas.admin).get(edit_url(personas.clinic)).content.decode()
    assert 'name="reconfirm_days" value="45"' in page
    assert 'id="id_require_code_word" checked' in page


def test_a_clinical_lead_sets_the_rules_of_their_clinic(personas, client_for):
    personas.clinician.clinical_lead = True
    personas.clinician.save()
    client = client_for(personas.clinician)
    assert client.get(LIST).status_code == 200
    client.post(edit_url(personas.clinic), {"reconfirm_days": "60"})
    assert ReminderRules.objects.get(clinic=personas.clinic).reconfirm_days == 60


@pytest.mark.parametrize("persona", ["clinician", "colleague", "auditor", "manager"])
def test_other_staff_are_refused_and_the_refusal_is_audited(personas, client_for, persona):
    client = client_for(getattr(personas, persona))
    assert client.get(LIST).status_code == 403
    assert client.post(edit_url(personas.clinic), {"reconfirm_days": "7"}).status_code == 403
    assert not ReminderRules.objects.exists()
    assert AuditEvent.objects.filter(outcome="denied", detail__contains="reminder rules").exists()


def test_another_clinics_rules_are_not_found(personas, client_for):
    stranger = UserFactory(role=Role.ADMINISTRATOR, clinics=[personas.other_clinic])
    client = client_for(stranger)
    assert client.get(edit_url(personas.clinic)).status_code == 404
    assert client.post(edit_url(personas.clinic), {"reconfirm_days": "7"}).status_code == 404
    assert not ReminderRules.objects.exists()
    assert AuditEvent.objects.filter(
        outcome="denied", detail="reminder rules of another clinic"
    ).exists()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("3", "The period is at least 7 days."),
        ("400", "The period is at most 365 days."),
        ("two weeks", "Give the period as a whole number of days."),
        ("", "Give the period in days."),
    ],
)
def test_a_wrong_period_is_named_and_the_form_keeps_what_was_typed(
    personas, client_for, typed, message
):
    response = client_for(personas.admin).post(
        edit_url(personas.clinic), {"reconfirm_days": typed, "require_code_word": "on"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    if typed:
        assert f'name="reconfirm_days" value="{typed}"' in page
    assert 'id="id_require_code_word" checked' in page
    assert not ReminderRules.objects.exists()


def test_the_page_speaks_spanish(personas, client_for):
    client = client_for(personas.admin)
    client.post(reverse("set_language"), {"language": "es"})
    page = client.get(edit_url(personas.clinic)).content.decode()
    assert "Reglas de recordatorio" in page
    error = client.post(edit_url(personas.clinic), {"reconfirm_days": "3"}).content.decode()
    assert "El periodo es de al menos 7 días." in error


def test_a_shorter_period_set_on_the_page_stops_reminders_on_older_preferences(
    personas, client_for
):
    safe_channel(
        personas,
        plan_confirmed=datetime.date.today() - datetime.timedelta(days=40),
        confirmed_at=datetime.date.today() - datetime.timedelta(days=40),
    )
    client_for(personas.admin).post(edit_url(personas.clinic), {"reconfirm_days": "30"})
    plan = careplans.careplan_for(patient=personas.patient)
    tomorrow = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)
    activity = careplans.activity_add(
        plan=plan, actor=personas.clinician, code="followup-exam", title="Exam", due=tomorrow
    )
    careplans.appointment_add(activity=activity, actor=personas.clinician, starts_at=tomorrow)
    reminders_sweep()
    decision = ContactDecision.objects.get()
    assert (decision.outcome, decision.reason) == ("staff_task", "preferences_stale")
