"""When the audit trail cannot take an entry, the read it would record does not happen."""

from __future__ import annotations

import pytest
from django.db import DatabaseError
from django.urls import reverse

from lantern.audit import services
from lantern.audit.models import AuditEvent


def refuse(entry: AuditEvent) -> AuditEvent:
    raise DatabaseError("could not extend file: No space left on device")


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
