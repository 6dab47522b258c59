"""Every URL x every HTTP method, for the clinician on the planted patient's care team (or,
where the clinician may not go, the first persona the access matrix lets in).

Each answer that shows patient data (a 200 on a patient's address) leaves exactly one read
entry for that patient; a method the view does not declare answers 405 and shows nothing.
The methods each URL declares are those of its row in the access matrix, with HEAD wherever
GET is declared.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from lantern.audit.models import AuditEvent
from tests.clients import signed_in, stepped_up
from tests.test_access_matrix import MATRIX

METHODS = ("GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE", "POST")
# Pages whose one entry for the patient is not a read: printing is audited as a print.
AUDITED_AS = {"encounters:summary_print": "print"}


# Who walks each URL: the clinician wherever the matrix lets them in.
WALKERS = ("clinician", "auditor", "admin", "manager", "colleague")


def declared(name: str) -> set[str]:
    methods = set(MATRIX[name].methods)
    return methods | {"HEAD"} if "GET" in methods else methods


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_every_method_on_every_url_is_declared_and_every_read_audited(personas, name):
    rule = MATRIX[name]
    kwargs = rule.kwargs(personas)
    url = reverse(name, kwargs=kwargs)
    walker = personas.by_name(next(p for p in WALKERS if p in rule.allowed))
    # Stepped up, so pages behind re-authentication (photographs, exports) answer too.
    client = stepped_up(walker)
    about_patient = kwargs.get("patient_id") == personas.patient.pk
    action = AUDITED_AS.get(name, "read")
    for method in METHODS:
        entries = AuditEvent.objects.filter(
            actor=walker, patient_id=personas.patient.pk, outcome="success"
        )
        before = entries.filter(action=action).count()
        response = client.generic(method, url)
        status = response.status_code
        if method not in declared(name):
            assert status == 405, f"{method} {name} answered {status}, not 405"
            assert not response.content or b"Rosa" not in response.content
        if about_patient and status == 200:
            recorded = entries.filter(action=action).count() - before
            assert recorded == 1, f"{method} {name}: {recorded} {action} entries, not one"


# The pages the first review found leaving no entry on GET, and those that answered other
# methods with the page itself.
QUIET_ON_GET = (
    "patients:contact_plan",
    "patients:contact_channel",
    "encounters:visit_edit",
    "encounters:summary",
    "encounters:photos",
    "screening:privacy",
    "screening:kiosk_handover",
)
ANSWERED_ANY_METHOD = (
    "patients:edit",
    "patients:contact_plan",
    "patients:contact_channel",
    "encounters:preferences",
    "encounters:visits",
    "encounters:visit",
)


@pytest.mark.parametrize("name", QUIET_ON_GET)
def test_each_page_found_quiet_now_leaves_one_read_on_get(personas, name):
    url = reverse(name, kwargs=MATRIX[name].kwargs(personas))
    reads = AuditEvent.objects.filter(
        actor=personas.clinician, patient_id=personas.patient.pk, action="read", outcome="success"
    )
    before = reads.count()
    response = stepped_up(personas.clinician).get(url)
    assert response.status_code == 200
    assert reads.count() - before == 1


@pytest.mark.parametrize("method", ["OPTIONS", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("name", ANSWERED_ANY_METHOD)
def test_other_methods_are_refused_show_nothing_and_are_audited(personas, name, method):
    url = reverse(name, kwargs=MATRIX[name].kwargs(personas))
    reads = AuditEvent.objects.filter(actor=personas.clinician, action="read", outcome="success")
    before = reads.count()
    # OPTIONS passes the CSRF check without a token, as a browser or a script would send it;
    # the others are let through it here, to reach the view itself.
    client = signed_in(personas.clinician, enforce_csrf_checks=method == "OPTIONS")
    response = client.generic(method, url)
    assert response.status_code == 405
    assert b"Rosa Delgado" not in response.content
    assert reads.count() == before
    assert AuditEvent.objects.filter(
        actor=personas.clinician,
        patient_id=personas.patient.pk,
        outcome="denied",
        detail=f"method {method} not allowed",
    ).exists()
