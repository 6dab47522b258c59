"""The privacy officer's audit report and its CSV export: who sees what, filters, sorting,
pagination, a fixed number of queries, and an export whose digest matches its bytes."""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import uuid
from unittest import mock

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from lantern.accounts.models import Role
from lantern.audit import reports
from lantern.audit.models import Action, AuditEvent, Category, Outcome
from lantern.audit.services import audit_record
from tests.clients import stepped_up
from tests.factories import UserFactory

REPORT = "audit:report"
EXPORT = "audit:export"


def shown(response) -> list[AuditEvent]:
    return list(response.context["page"].object_list)


def labels(response) -> list[str]:
    return [entry.actor_label for entry in shown(response)]


def report(client, **params):
    return client.get(reverse(REPORT), params)


@pytest.fixture
def auditor_client(personas):
    """The privacy officer, signed in and just re-authenticated (exports need step-up)."""
    return stepped_up(personas.auditor)


# --- Who sees what ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("auditor", 200),
        ("clinician", 403),
        ("colleague", 403),
        ("outsider", 403),
        ("admin", 403),
        ("manager", 403),
    ],
)
@pytest.mark.parametrize("name", [REPORT, EXPORT])
def test_only_privacy_officers_open_the_report(personas, persona, status, name):
    user = personas.by_name(persona)
    response = stepped_up(user).get(reverse(name))
    assert response.status_code == status
    if status == 403:
        assert AuditEvent.objects.filter(actor=user, outcome="denied", category="audit").exists()


def test_anonymous_visitors_are_sent_to_sign_in(personas, client_for):
    for name in (REPORT, EXPORT):
        response = client_for(None).get(reverse(name))
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))


def test_the_report_covers_the_officers_health_system_and_patients(personas, auditor_client):
    outsider = personas.outsider  # another health system's clinic
    theirs = audit_record(action=Action.LOGIN, actor=outsider)
    their_failure = audit_record(action=Action.LOGIN_FAILED, actor=outsider, outcome=Outcome.FAILED)
    about_our_patient = audit_record(
        action=Action.READ, actor=outsider, patient_id=personas.patient.pk, outcome=Outcome.DENIED
    )
    unknown_account = audit_record(
        action=Action.LOGIN_FAILED, outcome=Outcome.FAILED, detail="unknown account"
    )
    ours = audit_record(action=Action.LOGIN, actor=personas.manager)
    visible = {entry.sequence for entry in shown(report(auditor_client))}
    assert {about_our_patient.sequence, unknown_account.sequence, ours.sequence} <= visible
    assert theirs.sequence not in visible
    assert their_failure.sequence not in visible


def test_an_officer_elsewhere_sees_none_of_another_systems_patients(personas, client_for):
    elsewhere = UserFactory(role=Role.PRIVACY_OFFICER, clinics=[personas.other_clinic])
    response = report(client_for(elsewhere))
    assert personas.patient.pk not in {entry.patient_id for entry in shown(response)}
    assert "clinician" not in labels(response)


def test_viewing_the_report_is_audited_and_names_a_filtered_patient(personas, auditor_client):
    report(auditor_client, patient=str(personas.patient.pk))
    entry = AuditEvent.objects.filter(actor=personas.auditor).latest("sequence")
    assert (entry.action, entry.category, entry.outcome) == ("read", "audit", "success")
    assert entry.patient_id == personas.patient.pk


def test_the_nav_links_to_the_report_for_privacy_officers_only(personas, client_for):
    url = reverse(REPORT)
    assert url in client_for(personas.auditor).get(reverse("home")).content.decode()
    for persona in ("admin", "manager"):
        page = client_for(personas.by_name(persona)).get(reverse("home"))
        assert url not in page.content.decode()


# --- Filters and sorting -----------------------------------------------------------------------


@pytest.fixture
def mixed_trail(personas, monkeypatch):
    """Entries on three days by three people, some about the planted patient."""
    days = [datetime.datetime(2026, 3, day, 12, tzinfo=datetime.UTC) for day in (1, 2, 3)]
    entries = []
    for day in days:
        monkeypatch.setattr(timezone, "now", lambda day=day: day)
        entries += [
            audit_record(
                action=Action.READ, actor=personas.clinician, patient_id=personas.patient.pk
            ),
            audit_record(
                action=Action.UPDATE, actor=personas.colleague, patient_id=personas.patient.pk
            ),
            audit_record(action=Action.LOGIN, actor=personas.manager),
            audit_record(action=Action.READ, actor=personas.admin, outcome=Outcome.DENIED),
        ]
    monkeypatch.undo()
    return entries


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"user": "colleague"}, lambda e: e.actor_label == "colleague"),
        ({"action": "login"}, lambda e: e.action == "login"),
        ({"outcome": "denied"}, lambda e: e.outcome == "denied"),
        (
            {"action": "read", "user": "clinician"},
            lambda e: e.action == "read" and e.actor_label == "clinician",
        ),
        ({"date_from": "2026-03-02"}, lambda e: e.at.date() >= datetime.date(2026, 3, 2)),
        ({"date_to": "2026-03-01"}, lambda e: e.at.date() <= datetime.date(2026, 3, 1)),
        (
            {"date_from": "2026-03-02", "date_to": "2026-03-02"},
            lambda e: e.at.date() == datetime.date(2026, 3, 2),
        ),
    ],
)
def test_filters_narrow_the_entries(mixed_trail, auditor_client, params, expected):
    entries = shown(report(auditor_client, **params))
    assert entries
    assert all(expected(entry) for entry in entries)
    planted = {entry.sequence for entry in mixed_trail if expected(entry)}
    assert planted <= {entry.sequence for entry in entries}


def test_filtering_by_patient_shows_only_that_patient(personas, mixed_trail, auditor_client):
    entries = shown(report(auditor_client, patient=str(personas.patient.pk)))
    assert entries
    assert {entry.patient_id for entry in entries} == {personas.patient.pk}


def test_dates_are_days_in_the_clinic_time_zone(personas, auditor_client, monkeypatch, settings):
    # 02:00 UTC on 2 March is still 1 March in New York.
    late = datetime.datetime(2026, 3, 2, 2, 0, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: late)
    entry = audit_record(action=Action.LOGIN, actor=personas.manager)
    monkeypatch.undo()
    assert settings.TIME_ZONE == "America/New_York"
    on_first = shown(report(auditor_client, date_from="2026-03-01", date_to="2026-03-01"))
    assert entry.sequence in {e.sequence for e in on_first}
    on_second = shown(report(auditor_client, date_from="2026-03-02", date_to="2026-03-02"))
    assert entry.sequence not in {e.sequence for e in on_second}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"patient": "not-an-id"}, "patient"),
        ({"action": "drop_table"}, "action"),
        ({"sort": "password"}, "sort"),
        ({"date_from": "2026-03-03", "date_to": "2026-03-01"}, "date_to"),
        ({"date_from": "yesterday"}, "date_from"),
    ],
)
def test_bad_filters_are_explained_and_show_nothing(auditor_client, params, field):
    response = report(auditor_client, **params)
    assert response.status_code == 200
    assert response.context["page"] is None
    assert field in response.context["form"].errors


@pytest.mark.parametrize(
    ("sort", "key", "reverse_order"),
    [
        ("user", lambda e: e.actor_label, False),
        ("-user", lambda e: e.actor_label, True),
        ("action", lambda e: e.action, False),
        ("-action", lambda e: e.action, True),
        ("time", lambda e: (e.at, e.sequence), False),
        ("-time", lambda e: (e.at, e.sequence), True),
    ],
)
def test_entries_sort_by_whitelisted_keys(mixed_trail, auditor_client, sort, key, reverse_order):
    entries = shown(report(auditor_client, sort=sort))
    values = [key(entry) for entry in entries]
    assert values == sorted(values, reverse=reverse_order)


def test_newest_first_by_default_with_sort_state_announced(mixed_trail, auditor_client):
    response = report(auditor_client)
    times = [(entry.at, entry.sequence) for entry in shown(response)]
    assert times == sorted(times, reverse=True)
    html = response.content.decode()
    assert 'aria-sort="descending"' in html
    assert "sort=time" in html  # a click on Time turns it to oldest first


# --- Pagination and a fixed number of queries --------------------------------------------------


def _link(response, label: str) -> str:
    """The address of the page link called ``label``, as the officer would click it."""
    html = response.content.decode()
    end = html.index(f">{label}</a>")
    start = html.rindex('href="', 0, end) + len('href="')
    return html[start : html.index('"', start)].replace("&amp;", "&")


def test_fifty_entries_a_page_and_the_links_walk_the_whole_trail(personas, auditor_client):
    for n in range(120):
        audit_record(action=Action.LOGIN, actor=personas.manager, detail=f"n{n}")
    first = report(auditor_client, user="manager")
    assert len(shown(first)) == 50
    assert "Previous page" not in first.content.decode()
    second = auditor_client.get(reverse(REPORT) + _link(first, "Next page"))
    last = auditor_client.get(reverse(REPORT) + _link(second, "Next page"))
    details = [e.detail for page in (first, second, last) for e in shown(page)]
    assert details == [f"n{n}" for n in reversed(range(120))]
    assert "Next page" not in last.content.decode()
    back = auditor_client.get(reverse(REPORT) + _link(last, "Previous page"))
    assert [e.detail for e in shown(back)] == [e.detail for e in shown(second)]


@pytest.mark.parametrize("sort", ["user", "-user", "action", "time"])
def test_every_sort_order_pages_through_each_entry_once(personas, auditor_client, sort):
    for n in range(60):
        actor = (personas.manager, personas.admin)[n % 2]
        audit_record(action=(Action.LOGIN, Action.LOGOUT)[n % 3 == 0], actor=actor, detail=f"n{n}")
    report(auditor_client)  # settle the session first
    before = list(
        AuditEvent.objects.order_by(*reports.SORTS[sort]).values_list("sequence", flat=True)
    )
    pages = [report(auditor_client, sort=sort)]
    while "Next page" in pages[-1].content.decode():
        pages.append(auditor_client.get(reverse(REPORT) + _link(pages[-1], "Next page")))
    seen = [e.sequence for page in pages for e in shown(page)]
    assert len(seen) == len(set(seen))
    # The report's own visits are appended as it is read: every entry there before is shown
    # once, in order.
    assert [number for number in seen if number in set(before)] == before


def test_the_report_never_counts_the_trail(personas, auditor_client):
    for n in range(60):
        audit_record(action=Action.LOGIN, actor=personas.manager, detail=f"n{n}")
    first = report(auditor_client)
    with CaptureQueriesContext(connection) as captured:
        second = auditor_client.get(reverse(REPORT) + _link(first, "Next page"))
    assert len(shown(second)) > 0
    trail = [q["sql"].upper() for q in captured.captured_queries if "audit_auditevent" in q["sql"]]
    statements = " ".join(statement for statement in trail if not statement.startswith("INSERT"))
    assert "COUNT(" not in statements
    assert "OFFSET" not in statements


def test_the_report_costs_the_same_queries_for_one_entry_or_fifty(personas, auditor_client):
    for n in range(80):
        audit_record(action=Action.LOGIN, actor=personas.manager, detail=f"n{n}")
    audit_record(action=Action.LOGIN, actor=personas.admin)
    report(auditor_client)  # settle the session first

    def queries(**params) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = report(auditor_client, **params)
        assert response.status_code == 200
        return len(captured)

    one = queries(user="admin")
    fifty = queries(user="manager")
    assert len(shown(report(auditor_client, user="manager"))) == 50
    assert one == fifty
    assert fifty <= 20


def test_the_report_translates_the_same_labels_for_one_entry_or_fifty(personas, auditor_client):
    """Each action, category and outcome label is translated once, not once per entry."""
    for n in range(50):  # one page exactly: no page links to translate either
        audit_record(action=Action.LOGIN, actor=personas.manager, detail=f"n{n}")
    audit_record(action=Action.LOGIN, actor=personas.admin)
    report(auditor_client)  # settle the session first

    def translations(**params) -> int:
        real = translation._trans.gettext
        with mock.patch.object(translation._trans, "gettext", wraps=real) as translate:
            assert report(auditor_client, **params).status_code == 200
        return translate.call_count

    translations(user="manager")  # a first page may translate what later pages reuse
    assert translations(user="admin") == translations(user="manager")


def test_entries_are_labelled_in_the_readers_language(personas, auditor_client):
    audit_record(
        action=Action.LOGIN_FAILED,
        actor=personas.manager,
        category=Category.AUDIT,
        outcome=Outcome.FAILED,
    )
    english = report(auditor_client, user="manager").content.decode()
    spanish = auditor_client.get(
        reverse(REPORT), {"user": "manager"}, HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()
    again = report(auditor_client, user="manager").content.decode()
    for page in (english, again):
        assert "<td>Failed sign-in</td>" in page
        assert "<td>Audit trail</td>" in page
        assert ">Failed</span>" in page
    assert "<td>Inicio de sesión fallido</td>" in spanish
    assert "Failed sign-in" not in spanish


# --- CSV export --------------------------------------------------------------------------------


def export(client, **params):
    response = client.get(reverse(EXPORT), params)
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    return response, b"".join(response.streaming_content)


def test_the_export_is_streamed_with_the_sha256_of_its_bytes(mixed_trail, auditor_client):
    response, body = export(auditor_client)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert response["X-Content-SHA256"] == hashlib.sha256(body).hexdigest()
    assert int(response["Content-Length"]) == len(body)


def test_the_export_has_the_report_columns_and_times_in_utc(personas, mixed_trail, auditor_client):
    _, body = export(auditor_client, user="clinician", sort="time")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    assert rows[0] == [
        "sequence", "time_utc", "user", "patient_id", "action", "object_type", "object_id",
        "category", "source_address", "outcome", "detail", "entry_hash",
    ]  # fmt: skip
    planted = [entry for entry in mixed_trail if entry.actor_label == "clinician"]
    assert all(row[2] == "clinician" for row in rows[1:])
    by_sequence = {int(row[0]): row for row in rows[1:]}
    row = by_sequence[planted[0].sequence]
    assert row[1] == "2026-03-01T12:00:00.000000+00:00"
    assert row[3] == str(personas.patient.pk)
    assert row[11] == planted[0].entry_hash


def test_the_export_is_audited_with_its_digest(personas, mixed_trail, auditor_client):
    response, body = export(auditor_client, patient=str(personas.patient.pk))
    entry = AuditEvent.objects.filter(action="export").latest("sequence")
    assert entry.actor == personas.auditor
    assert entry.category == Category.AUDIT
    assert entry.patient_id == personas.patient.pk
    assert response["X-Content-SHA256"] in entry.detail
    # The export stops at the entries committed when it began: its own entry is not in it.
    assert str(entry.sequence) not in {line.split(b",")[0].decode() for line in body.splitlines()}


def test_spreadsheet_formulas_are_neutralised(personas, auditor_client):
    audit_record(action=Action.READ, actor=personas.manager, detail="=HYPERLINK(1)")
    _, body = export(auditor_client, user="manager")
    assert b"'=HYPERLINK(1)" in body
    assert b",=HYPERLINK" not in body


def test_an_export_needs_a_fresh_step_up(personas, client_for):
    response = client_for(personas.auditor).get(reverse("audit:export"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:confirm"))
    assert not AuditEvent.objects.filter(action="export").exists()


def test_bad_export_filters_are_refused(auditor_client):
    response = auditor_client.get(reverse(EXPORT), {"patient": "x"})
    assert response.status_code == 400
    assert not AuditEvent.objects.filter(action="export").exists()


def test_the_report_links_patient_ids_to_their_access_history(personas, auditor_client):
    html = report(auditor_client).content.decode()
    assert reverse("patients:access_history", args=[personas.patient.pk]) in html


def test_the_report_never_shows_patient_names(personas, auditor_client):
    html = report(auditor_client).content.decode()
    assert "Rosa" not in html
    assert str(personas.patient.pk) in html


def test_an_unknown_patient_id_filter_just_finds_nothing(auditor_client):
    response = report(auditor_client, patient=str(uuid.uuid4()))
    assert shown(response) == []
    assert "No audit entries match." in response.content.decode()
