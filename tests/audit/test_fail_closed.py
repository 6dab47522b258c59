"""When the audit trail cannot take an entry, the read it would record does not happen."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from lantern.audit import services
from lantern.audit.models import AuditEvent
from lantern.careplans import services as careplans
from tests.clients import signed_in

FULL_DISK = "could not extend file: No space left on device"


def refuse(entry: AuditEvent) -> AuditEvent:
    raise DatabaseError(FULL_DISK)


@contextlib.contextmanager
def trail_refuses_entries() -> Iterator[None]:
    """The database refuses every new audit entry, one at a time or many at once, whichever
    module appends them and however the INSERT is written (the ORM's, or the request path's
    own statement on PostgreSQL)."""
    table = AuditEvent._meta.db_table

    def refuse_inserts(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        statement = sql.lstrip().upper()
        if statement.startswith("INSERT") and table.upper() in statement.split("(")[0]:
            raise DatabaseError(FULL_DISK)
        return execute(sql, params, many, context)

    # A savepoint stands for the end of the request: the test's own transaction goes on
    # after the refused INSERT has marked what it was part of for rollback.
    with transaction.atomic(), connection.execute_wrapper(refuse_inserts):
        yield


@pytest.mark.parametrize(
    ("page", "method", "form"),
    [("patients:detail", "get", {}), ("patients:search", "post", {"q": "Rosa"})],
    ids=["chart", "search"],
)
def test_nothing_is_shown_when_its_read_cannot_be_recorded(
    personas, client_for, page, method, form
):
    client = client_for(personas.clinician)
    url = reverse(page, args=[personas.patient.pk] if page == "patients:detail" else [])
    ask = getattr(client, method)
    assert "Rosa Delgado" in ask(url, form).content.decode()  # as it normally is
    before = AuditEvent.objects.count()

    client.raise_request_exception = False
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(services, "audit_append", refuse)
        response = ask(url, form)
    assert response.status_code == 500
    assert "Rosa Delgado" not in response.content.decode()
    assert "Sunny" not in response.content.decode()
    assert AuditEvent.objects.count() == before


def test_a_worklist_is_not_shown_when_its_listed_reads_cannot_be_recorded(personas):
    """A list of patients is one read per patient, appended together: refused together."""
    plan = careplans.careplan_for(patient=personas.patient)
    careplans.activity_add(
        plan=plan,
        actor=personas.clinician,
        code="other",
        title="Call about the shelter bed",
        due=timezone.now(),  # due today, whatever the time of day in the clinic
        owner=personas.clinician,
    )
    client = signed_in(personas.clinician)
    url = reverse("careplans:worklist")
    assert "Rosa Delgado" in client.get(url).content.decode()  # as it normally is
    before = AuditEvent.objects.count()

    client.raise_request_exception = False
    with trail_refuses_entries():
        response = client.get(url)
    assert response.status_code == 500
    page = response.content.decode()
    assert "Rosa Delgado" not in page
    assert "Call about the shelter bed" not in page
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("page", ["patients:detail", "careplans:plan", "encounters:visits"])
def test_no_chart_page_is_shown_when_the_database_refuses_the_entry(personas, page):
    client = signed_in(personas.clinician)
    url = reverse(page, args=[personas.patient.pk])
    assert client.get(url).status_code == 200
    before = AuditEvent.objects.count()

    client.raise_request_exception = False
    with trail_refuses_entries():
        response = client.get(url)
    assert response.status_code == 500
    assert "Rosa Delgado" not in response.content.decode()
    assert AuditEvent.objects.count() == before
