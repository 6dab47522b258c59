"""Care-plan reminders end to end: the sweep decides, records, queues and delivers."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from lantern.accounts.models import Notification
from lantern.audit.models import AuditEvent
from lantern.careplans import services as careplans
from lantern.careplans.models import Activity
from lantern.careplans.reminding import RECONFIRM_REF, reminders_sweep
from lantern.messaging.delivery import deliver_due
from lantern.messaging.models import ContactDecision, OutboxMessage, ReminderRules
from lantern.patients import services
from tests.messaging.conftest import safe_channel, smtp_server  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
TZ = timezone.get_default_timezone()
NOW = datetime.datetime(2026, 12, 2, 10, 0, tzinfo=TZ)  # Wednesday


@pytest.fixture(autouse=True)
def _frozen(time_machine):  # type: ignore[no-untyped-def]
    time_machine.move_to(NOW, tick=False)


def activity(personas, *, due, owner=None, **extra):  # type: ignore[no-untyped-def]
    plan = careplans.careplan_for(patient=personas.patient)
    return careplans.activity_add(
        plan=plan,
        actor=personas.clinician,
        code="followup-exam",
        title="Follow-up exam",
        due=due,
        owner=owner,
        **extra,
    )


def appointment(personas, starts_at, **extra):  # type: ignore[no-untyped-def]
    task = activity(personas, due=starts_at, **extra)
    return careplans.appointment_add(activity=task, actor=personas.clinician, starts_at=starts_at)


def test_an_appointment_reminder_reaches_the_patient_once(personas, smtp_server):  # noqa: F811
    safe_channel(personas, code_word="girasol")
    appointment(personas, NOW + datetime.timedelta(days=1, hours=4, minutes=30))
    assert reminders_sweep()["appointment"] == 1
    assert reminders_sweep()["appointment"] == 0  # decided once
    decision = ContactDecision.objects.get()
    assert (decision.outcome, decision.reason, decision.channel) == ("send", "sent_now", "email")
    assert deliver_due() == {"sent": 1}
    (received,) = smtp_server.received
    # The patient reads Spanish; the code word opens the message; no clinic, no care named.
    assert received.body.strip() == (
        "Palabra clave: girasol. Recordatorio: tiene una cita el jueves 3 de diciembre a las "
        "14:30. Responda o llame si necesita cambiarla."
    )
    assert received.message["Subject"] == "Recordatorio"


def test_do_not_contact_is_kept_as_a_decision_and_nothing_is_queued(personas):
    safe_channel(personas, do_not_contact=True)
    appointment(personas, NOW + datetime.timedelta(hours=20))
    reminders_sweep()
    decision = ContactDecision.objects.get()
    assert (decision.outcome, decision.reason) == ("withhold", "do_not_contact")
    assert not OutboxMessage.objects.filter(audience="patient").exists()
    entry = AuditEvent.objects.get(object_type="messaging.contactdecision")
    assert entry.detail == "contact decision withhold do_not_contact"
    assert entry.category == "contact"


def test_stale_preferences_become_a_staff_task_not_a_message(personas, time_machine):
    safe_channel(personas, plan_confirmed=(NOW - datetime.timedelta(days=91)).date())
    appointment(personas, NOW + datetime.timedelta(hours=20), owner=personas.clinician)
    reminders_sweep()
    reminders_sweep()
    decision = ContactDecision.objects.get()
    assert (decision.outcome, decision.reason) == ("staff_task", "preferences_stale")
    assert not OutboxMessage.objects.filter(audience="patient").exists()
    task = Activity.objects.get(external_ref=RECONFIRM_REF)
    assert (task.owner, task.status) == (personas.clinician, "planned")
    notice = Notification.objects.get(recipient=personas.clinician, link__contains=task.pk)
    assert notice.subject == "Contact preferences to re-confirm"
    assert "Rosa" not in notice.body
    staff_mail = OutboxMessage.objects.get(audience="staff")
    assert staff_mail.recipient_ref == f"user:{personas.clinician.pk}"

    # Once staff re-confirm the preferences, the reminder is decided again, and sent.
    time_machine.move_to(NOW + datetime.timedelta(minutes=15), tick=False)
    services.contact_plan_update(
        actor=personas.clinician,
        patient=personas.patient,
        do_not_contact=False,
        notes="",
        confirmed_at=NOW.date(),
    )
    reminders_sweep()
    assert ContactDecision.objects.first().outcome == "send"


def test_a_clinic_with_a_shorter_period_asks_sooner(personas):
    ReminderRules.objects.create(clinic=personas.clinic, reconfirm_days=30)
    safe_channel(personas, plan_confirmed=(NOW - datetime.timedelta(days=40)).date())
    appointment(personas, NOW + datetime.timedelta(hours=20))
    reminders_sweep()
    assert ContactDecision.objects.get().reason == "preferences_stale"


def test_a_follow_up_falling_due_reminds_the_patient_in_their_window(personas):
    evenings = [{"days": [2], "start": "18:00", "end": "20:00"}]
    safe_channel(personas, kind="sms", destination="+15550123", time_windows=evenings)
    activity(personas, due=NOW + datetime.timedelta(hours=6))
    assert reminders_sweep()["follow-up"] == 1
    message = OutboxMessage.objects.get(audience="patient")
    assert message.not_before == NOW.replace(hour=18)
    assert message.body.startswith("Hola, es momento de programar su próxima visita.")


def test_staff_are_reminded_of_due_and_overdue_activities_once(personas):
    safe_channel(personas)
    activity(personas, due=NOW + datetime.timedelta(hours=3), owner=personas.colleague)
    activity(personas, due=NOW - datetime.timedelta(days=2))  # no owner: the care team
    first = reminders_sweep()["staff"]
    subjects = sorted(Notification.objects.values_list("recipient__username", "subject"))
    assert first == 2, subjects
    assert reminders_sweep()["staff"] == 0
    subjects = sorted(Notification.objects.values_list("recipient__username", "subject"))
    assert subjects == [("clinician", "Follow-up overdue"), ("colleague", "Follow-up due today")]
    assert OutboxMessage.objects.filter(audience="staff").count() == 2


def test_the_chart_lists_decisions_with_their_reasons(personas, client_for):
    safe_channel(personas, do_not_contact=True)
    appointment(personas, NOW + datetime.timedelta(hours=20))
    reminders_sweep()
    client = client_for(personas.clinician)
    chart = client.get(reverse("patients:detail", args=[personas.patient.pk]))
    assert "The patient asked not to be contacted." in chart.content.decode()
    page = client.get(reverse("messaging:contact_decisions", args=[personas.patient.pk]))
    assert page.status_code == 200
    assert "The patient asked not to be contacted." in page.content.decode()
    assert client_for(personas.outsider).get(page.request["PATH_INFO"]).status_code == 404


def test_staff_see_the_wording_of_a_sent_reminder_and_its_delivery(
    personas,
    client_for,
    smtp_server,  # noqa: F811
):
    safe_channel(personas, code_word="girasol")
    appointment(personas, NOW + datetime.timedelta(hours=20))
    reminders_sweep()
    assert deliver_due() == {"sent": 1}
    (received,) = smtp_server.received
    client = client_for(personas.clinician)
    for name in ("patients:detail", "messaging:contact_decisions"):
        page = client.get(reverse(name, args=[personas.patient.pk])).content.decode()
        assert f"“{received.body.strip()}”" in page
        assert "<td>Sent</td>" in page
