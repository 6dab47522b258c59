"""The FHIR API fails closed too: a read whose audit entry cannot be stored returns nothing."""

from __future__ import annotations

from lantern.audit.models import AuditEvent
from tests.audit.test_fail_closed import trail_refuses_entries


def test_a_patient_is_not_sent_when_its_read_cannot_be_recorded(fhir, personas):
    token = fhir.token()
    url = f"/fhir/Patient/{personas.patient.pk}"
    assert "Rosa Delgado" in fhir.get(url, token).content.decode()  # as it normally is
    before = AuditEvent.objects.count()

    fhir.http.raise_request_exception = False
    with trail_refuses_entries():
        response = fhir.get(url, token)
    assert response.status_code >= 500
    assert "Rosa Delgado" not in response.content.decode()
    assert "RV-1001" not in response.content.decode()
    assert AuditEvent.objects.count() == before
