"""A visit of the planted patient, and a quick way to put consents in place."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from lantern.encounters import services


@pytest.fixture
def visit(personas):
    return services.encounter_start(
        actor=personas.clinician,
        patient=personas.patient,
        clinic=personas.clinic,
        kind="clinic",
        companion="came_alone",
        interpreter="not_needed",
    )


def give(personas, visit, *scopes, recipient="", status="given"):
    """Record the patient's decision (given, unless told) for each of ``scopes``."""
    return [
        services.consent_record(
            actor=personas.clinician,
            patient=personas.patient,
            encounter=visit,
            scope=scope,
            status=status,
            method="verbal",
            recipient=recipient,
        )
        for scope in scopes
    ]


def url(name, visit, **kwargs):
    return reverse(
        f"encounters:{name}",
        kwargs={"patient_id": visit.patient_id, "visit_id": visit.pk, **kwargs},
    )


def offered_as_done(page):
    """The step menu of the "done" form: the steps the page offers as done."""
    form = page[page.index('id="done-heading"') : page.index('id="other-heading"')]
    return set(re.findall(r'<option value="(\w+)"', form))
