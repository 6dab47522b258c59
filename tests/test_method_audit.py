"""Every URL x every HTTP method, for the clinician on the planted patient's care team (or,
where the clinician may not go, the first persona the access matrix lets in).

Each answer that shows patient data (a 200 on a patient's address) leaves exactly one read
entry for that patient; a method the view does not declare answers 405 and shows nothing.
The methods each URL declares are those of its row in the access matrix, with HEAD wherever
GET is declared (but for the FHIR API, whose operations are all it answers).

The FHIR API opens to no staff session, only to a SMART access token: its URLs are walked by
a registered system of the planted patient's clinic, holding every scope, that the patient
agreed to share with. Its reads are audited under the system's name, and for every answer
the rule is the same: one read of the patient when it shows the patient's data, none when
it does not.
"""

from __future__ import annotations

import pytest
from django.db.models import QuerySet
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from joserfc.jwk import ECKey

from lantern.audit.models import AuditEvent
from lantern.fhir import services as fhir_services
from tests.clients import signed_in, stepped_up
from tests.fhir.conftest import ALL_SCOPES, assertion, public_jwks, share_with_ehr, token_form
from tests.test_access_matrix import MATRIX, Rule

METHODS = ("GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE", "POST")
# Pages whose one entry for the patient is not a read: printing is audited as a print.
AUDITED_AS = {"encounters:summary_print": "print", "referrals:slip_print": "print"}


# Who walks each URL: the clinician wherever the matrix lets them in.
WALKERS = ("clinician", "auditor", "admin", "manager", "colleague")


def routes(resolver: URLResolver | None = None, prefix: str = "", namespace: str = ""):
    """Each URL name with the route it answers at (``fhir/QuestionnaireResponse``)."""
    found: dict[str, str] = {}
    for entry in (resolver or get_resolver()).url_patterns:
        route = f"{prefix}{entry.pattern}"
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found |= routes(entry, route, inner)
        elif isinstance(entry, URLPattern):
            found[f"{namespace}{entry.name}"] = route
    return found


def declared(name: str) -> set[str]:
    """The methods of every matrix row at this name's address: the FHIR API searches and
    creates QuestionnaireResponses at one address, under two names."""
    at = routes()
    methods = {
        method for other, rule in MATRIX.items() if at[other] == at[name] for method in rule.methods
    }
    if name.startswith("fhir:"):
        return methods  # the FHIR API answers its operations' methods; R4 defines no HEAD
    return methods | {"HEAD"} if "GET" in methods else methods


@pytest.fixture(scope="module")
def system_key() -> ECKey:
    return ECKey.generate_key("P-384", parameters={"kid": "walk"})


def fhir_system(personas, key) -> tuple[Client, QuerySet[AuditEvent]]:
    """The walker of the token-only FHIR URLs: a client sending a fresh access token of a
    system registered at the planted patient's clinic, and the audit entries in its name."""
    system = fhir_services.api_client_register(
        actor=personas.admin,
        name="Method walk EHR",
        clinic=personas.clinic,
        scope_text=ALL_SCOPES,
        jwks=public_jwks(key),
    )
    share_with_ehr(personas)
    client = Client()
    response = client.post(
        reverse("fhir:token"), token_form(assertion(system.client_id, key, alg="ES384"))
    )
    assert response.status_code == 200, response.content
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {response.json()['access_token']}"
    return client, AuditEvent.objects.filter(actor=None, actor_label=system.get_username())


def walker_for(personas, rule: Rule, key) -> tuple[Client, QuerySet[AuditEvent]]:
    if rule.token_only:
        return fhir_system(personas, key)
    walker = personas.by_name(next(p for p in WALKERS if p in rule.allowed))
    # Stepped up, so pages behind re-authentication (photographs, exports) answer too.
    return stepped_up(walker), AuditEvent.objects.filter(actor=walker)


def body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_every_method_on_every_url_is_declared_and_every_read_audited(personas, system_key, name):
    rule = MATRIX[name]
    kwargs = rule.kwargs(personas)
    url = reverse(name, kwargs=kwargs)
    client, by_walker = walker_for(personas, rule, system_key)
    action = AUDITED_AS.get(name, "read")
    for method in METHODS:
        entries = by_walker.filter(patient_id=personas.patient.pk, outcome="success")
        before = entries.filter(action=action).count()
        response = client.generic(method, url)
        status, content = response.status_code, body(response)
        if method not in declared(name):
            assert status == 405, f"{method} {name} answered {status}, not 405"
            assert b"Rosa" not in content
        if rule.token_only:
            # An API answer shows a patient wherever it names the patient's resources.
            about_patient = str(personas.patient.pk).encode() in content
        else:
            about_patient = kwargs.get("patient_id") == personas.patient.pk
        if status == 200 and (about_patient or rule.token_only):
            recorded = entries.filter(action=action).count() - before
            expected = 1 if about_patient else 0
            assert recorded == expected, f"{method} {name}: {recorded} {action} entries"


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
