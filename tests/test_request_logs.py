"""Django's request log: one line per refusal, and the URL pattern's name instead of the path."""

from __future__ import annotations

import logging
import uuid

import pytest
from django.urls import reverse

NAME = "Quetzalli"


@pytest.fixture
def request_log(caplog):  # type: ignore[no-untyped-def]
    caplog.set_level(logging.INFO, logger="django.request")
    return caplog


def records(caplog):  # type: ignore[no-untyped-def]
    return [record for record in caplog.records if record.name == "django.request"]


def test_a_refusal_writes_one_line_without_a_traceback(personas, client_for, request_log):
    response = client_for(personas.auditor).get(reverse("patients:search"))
    assert response.status_code == 403
    [record] = records(request_log)
    assert record.getMessage() == "403 Forbidden GET patients:search"
    assert record.exc_info is None
    assert "Traceback" not in request_log.text
    assert len(request_log.text.strip().splitlines()) == 1


def test_a_missing_page_is_logged_as_unmatched_never_with_its_path(
    personas, client_for, request_log
):
    response = client_for(personas.clinician).get(f"/no/such/page/{NAME}/")
    assert response.status_code == 404
    [record] = records(request_log)
    assert record.getMessage() == "404 Not Found GET unmatched"
    assert NAME not in request_log.text


def test_a_refused_record_is_logged_by_its_pattern_name_not_its_id(
    personas, client_for, request_log
):
    patient_id = personas.patient.pk
    response = client_for(personas.outsider).get(reverse("patients:detail", args=[patient_id]))
    assert response.status_code == 404
    [record] = records(request_log)
    assert record.getMessage() == "404 Not Found GET patients:detail"
    assert str(patient_id) not in request_log.text
    # A made-up id of the right form resolves to the same pattern.
    client_for(personas.outsider).get(reverse("patients:detail", args=[uuid.uuid4()]))
    assert records(request_log)[-1].getMessage() == "404 Not Found GET patients:detail"
