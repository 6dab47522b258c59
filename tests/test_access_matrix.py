"""Every URL pattern x every persona: who gets in, who is refused, and that refusals are audited.

The matrix below must list every named URL pattern Lantern serves; a new URL that is not
added here fails ``test_the_matrix_covers_every_url_pattern``. A persona getting through
where the matrix says "refused" fails the walk.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from lantern.audit.models import AuditEvent
from lantern.encounters import services as visit_services
from lantern.patients import emergency
from lantern.screening import services as screening_services
from lantern.screening.models import ScreeningResult

PERSONAS = ("anonymous", "clinician", "colleague", "outsider", "auditor", "admin", "manager")
SIGNED_IN = frozenset(PERSONAS) - {"anonymous"}
CARE_STAFF = frozenset({"clinician", "colleague", "outsider"})  # roles that may search and register
CARE_TEAM = frozenset({"clinician"})  # on the planted patient's care team
AUDITORS = frozenset({"auditor"})  # privacy officers, at the planted patient's clinic


def patient(p):
    return {"patient_id": p.patient.pk}


def directory_service(p):
    """A service in the directory of the planted patient's health system."""
    from tests.referrals.factories import make_service

    return {"service_id": make_service(p.clinic.health_system).hsds_id}


def directory_organization(p):
    from tests.referrals.factories import make_service

    return {"organization_id": make_service(p.clinic.health_system).organization.hsds_id}


def directory_location(p):
    from tests.referrals.factories import make_service

    service = make_service(p.clinic.health_system)
    return {"location_id": service.service_at_locations.get().location.hsds_id}


@dataclass(frozen=True)
class Rule:
    allowed: frozenset[str]
    methods: tuple[str, ...] = ("GET",)
    kwargs: Callable[..., dict[str, object]] = field(default=lambda p: {})
    patient_scoped: bool = False
    signs_out: bool = False  # success is being sent to the sign-in page
    # The FHIR API: only a SMART access token opens it. Every persona, whatever its staff
    # session, gets 401 (400 from the token endpoint) and the refusal is audited.
    token_only: bool = False


# A form's own address: sent with POST; on GET (a reload, a change of language after an
# error) it goes back to the page the form is on.
class FormAddress(tuple):
    """The methods of a form's own address (GET only goes back to the form's page)."""


FORM_ADDRESS = FormAddress(("GET", "POST"))
CLINICIAN = frozenset({"clinician"})
ADMINS = frozenset({"admin"})
# The directory: care staff and administrators read their own health system's; the outsider
# works for another health system, so its records are not found. Advocates (the colleague
# persona) and administrators maintain it.
DIRECTORY_READERS = frozenset({"clinician", "colleague", "outsider", "admin"})
DIRECTORY_RECORD_READERS = frozenset({"clinician", "colleague", "admin"})
DIRECTORY_MAINTAINERS = frozenset({"colleague", "admin"})


def emergency_search(p):
    """An emergency search the clinician started (only they may continue it)."""
    grant = emergency.emergency_search_start(
        actor=p.clinician, reason="Unconscious patient, needs medication history"
    )
    return {"grant_id": grant.pk}


def staff_member(p):
    return {"user_id": p.clinician.pk}


def screening(p, instruments=("phq-9",), mode="clinician"):
    return screening_services.screening_start(
        actor=p.clinician,
        patient=p.patient,
        instrument_ids=list(instruments),
        language="en",
        mode=mode,
    )


def screening_session(p, **kwargs):
    return {"patient_id": p.patient.pk, "session_id": screening(p, **kwargs).pk}


def scored_result(p):
    """A PHQ-9 with a suicide-risk flag (item 9 answered above 0)."""
    session = screening(p)
    answers = {f"phq9-{n}": "0" for n in range(1, 9)} | {"phq9-9": "1"}
    result = screening_services.result_record(
        actor=p.clinician, session=session, instrument_id="phq-9", answers=answers
    )
    return {"patient_id": p.patient.pk, "result_id": result.pk}


def scored_session(p):
    result = ScreeningResult.objects.get(pk=scored_result(p)["result_id"])
    return {"patient_id": p.patient.pk, "session_id": result.session_id}


def visit(p):
    encounter = visit_services.encounter_start(
        actor=p.clinician,
        patient=p.patient,
        clinic=p.clinic,
        kind="clinic",
        companion="came_alone",
        interpreter="not_needed",
    )
    return {"patient_id": p.patient.pk, "visit_id": encounter.pk}


def planned_activity(p):
    from lantern.careplans import services as plan_services

    plan = plan_services.careplan_for(patient=p.patient)
    activity = plan_services.activity_add(
        plan=plan,
        actor=p.clinician,
        code="housing",
        title="Safe housing",
        due=p.patient.registered_at,
        category="social",
    )
    return {"patient_id": p.patient.pk, "activity_id": activity.pk}


def clinic_protocol(p):
    from lantern.careplans import adaptation_services, protocols
    from lantern.careplans.models import ClinicProtocol

    made = ClinicProtocol.objects.filter(clinic=p.clinic, protocol_id="riverside-followup")
    if made.exists():  # asked for again within one test
        return {"record_id": made.get().pk}
    record = adaptation_services.clinic_protocol_copy(
        actor=p.admin,
        clinic=p.clinic,
        source=protocols.get_protocol("sa-followup-v1"),
        new_id="riverside-followup",
        version="1.0.0",
    )
    return {"record_id": record.pk}


def visit_consent(p, scope="touch"):
    ids = visit(p)
    record = visit_services.consent_record(
        actor=p.clinician,
        patient=p.patient,
        encounter=p.patient.encounters.get(pk=ids["visit_id"]),
        scope=scope,
        status="given",
        method="verbal",
    )
    return {**ids, "consent_id": record.pk}


def visit_injury(p):
    ids = visit_consent(p, "photographs")
    visit_services.consent_record(
        actor=p.clinician,
        patient=p.patient,
        encounter=p.patient.encounters.get(pk=ids["visit_id"]),
        scope="general_exam",
        status="given",
        method="verbal",
    )
    injury = visit_services.injury_record(
        actor=p.clinician,
        encounter=p.patient.encounters.get(pk=ids["visit_id"]),
        side="front",
        region="left_arm",
        kind="bruise",
        healing="fresh",
    )
    return {"patient_id": p.patient.pk, "visit_id": ids["visit_id"], "injury_id": injury.pk}


def visit_photo(p):
    import io

    from PIL import Image

    ids = visit_injury(p)
    picture = io.BytesIO()
    Image.new("RGB", (8, 8)).save(picture, format="PNG")
    photo = visit_services.photo_store(
        actor=p.clinician,
        injury=p.patient.encounters.get(pk=ids["visit_id"]).injuries.get(),
        data=picture.getvalue(),
    )
    return {"patient_id": p.patient.pk, "visit_id": ids["visit_id"], "photo_id": photo.pk}


NOBODY: frozenset[str] = frozenset()
EVERYONE = frozenset(PERSONAS)
# Referrals: the care team starts and reads them; advocates on it (the colleague joins the
# care team for these rows) act on them; program managers see counts only.
REFERRAL_OWNERS = frozenset({"colleague"})
MANAGERS = frozenset({"manager"})


def referral_draft(p):
    from tests.referrals import referral_helpers

    referral = referral_helpers.draft(p)
    return {"patient_id": p.patient.pk, "referral_id": referral.pk}


def owned_draft(p):
    from tests.referrals import referral_helpers

    referral_helpers.advocate_on_team(p)
    return referral_draft(p)


def owned_sent(p):
    from tests.referrals import referral_helpers

    referral, _link = referral_helpers.sent(p)
    return {"patient_id": p.patient.pk, "referral_id": referral.pk}


def partner_token(p):
    from tests.referrals import referral_helpers

    _referral, link = referral_helpers.sent(p)
    return {"token": link.token}


def api_client(p):
    from joserfc.jwk import ECKey, KeySet

    from lantern.fhir import services as fhir_services

    key = ECKey.generate_key("P-384", parameters={"kid": "matrix"})
    client = fhir_services.api_client_register(
        actor=p.admin,
        name="Riverside EHR",
        clinic=p.clinic,
        scope_text="system/Patient.rs",
        jwks=KeySet([key]).as_dict(private=False),
    )
    return {"client_id": client.pk}


def fhir_rules() -> dict[str, Rule]:
    """Every FHIR URL: public documents for everyone, the rest for tokens only."""
    from lantern.fhir.resources import REGISTRY

    export = {"export_id": "8f1e6f52-6f4a-4a5e-9a49-6d0c2f8e0a11"}
    rules = {
        "fhir:api-root": Rule(frozenset(PERSONAS)),
        "fhir:metadata": Rule(frozenset(PERSONAS)),
        "fhir:smart_configuration": Rule(frozenset(PERSONAS)),
        "fhir:openapi-json": Rule(frozenset(PERSONAS)),
        "fhir:token": Rule(NOBODY, methods=("POST",), token_only=True),
        "fhir:export": Rule(NOBODY, token_only=True),
        "fhir:patient_export": Rule(NOBODY, token_only=True),
        "fhir:group_export": Rule(
            NOBODY, token_only=True, kwargs=lambda p: {"group_id": p.clinic.pk}
        ),
        "fhir:export_status": Rule(
            NOBODY, methods=("GET", "DELETE"), token_only=True, kwargs=lambda p: export
        ),
        "fhir:export_file": Rule(
            NOBODY,
            token_only=True,
            kwargs=lambda p: {**export, "file_name": "Patient-1.ndjson"},
        ),
        "fhir:QuestionnaireResponse-create": Rule(NOBODY, methods=("POST",), token_only=True),
        # Any other address under /fhir/, whatever the method: 404 not-supported.
        "fhir:unknown": Rule(
            NOBODY,
            methods=("GET", "POST", "PUT", "PATCH", "DELETE"),
            token_only=True,
            kwargs=lambda p: {"rest": "Practitioner"},
        ),
    }
    for name in REGISTRY:
        rules[f"fhir:{name}-search"] = Rule(NOBODY, token_only=True)
        rules[f"fhir:{name}-read"] = Rule(
            NOBODY, token_only=True, kwargs=lambda p: {"resource_id": str(p.patient.pk)}
        )
    return rules


MATRIX: dict[str, Rule] = {
    "home": Rule(SIGNED_IN),
    "accounts:login": Rule(frozenset(PERSONAS), methods=("GET", "POST")),
    "accounts:logout": Rule(frozenset(PERSONAS), methods=("POST",), signs_out=True),
    "accounts:two_factor": Rule(SIGNED_IN, methods=("GET", "POST")),
    "accounts:two_factor_setup": Rule(SIGNED_IN, methods=("GET", "POST")),
    "accounts:recovery_codes": Rule(SIGNED_IN),
    "accounts:recovery_codes_replace": Rule(SIGNED_IN, methods=FORM_ADDRESS),
    "accounts:confirm": Rule(SIGNED_IN, methods=("GET", "POST")),
    "set_language": Rule(frozenset(PERSONAS), methods=("GET", "POST")),
    "patients:search": Rule(CARE_STAFF, methods=("GET", "POST")),
    "patients:register": Rule(CARE_STAFF, methods=("GET", "POST")),
    "patients:detail": Rule(CARE_TEAM, kwargs=patient, patient_scoped=True),
    "patients:edit": Rule(CARE_TEAM, methods=("GET", "POST"), kwargs=patient, patient_scoped=True),
    "patients:alias_add": Rule(
        CARE_TEAM, methods=FORM_ADDRESS, kwargs=patient, patient_scoped=True
    ),
    "patients:alias_remove": Rule(
        CARE_TEAM,
        methods=FORM_ADDRESS,
        patient_scoped=True,
        kwargs=lambda p: {"patient_id": p.patient.pk, "alias_id": p.patient.aliases.get().pk},
    ),
    "patients:identifier_add": Rule(
        CARE_TEAM, methods=FORM_ADDRESS, kwargs=patient, patient_scoped=True
    ),
    "patients:identifier_remove": Rule(
        CARE_TEAM,
        methods=FORM_ADDRESS,
        patient_scoped=True,
        kwargs=lambda p: {
            "patient_id": p.patient.pk,
            "identifier_id": p.patient.identifiers.get().pk,
        },
    ),
    "patients:care_team_add": Rule(
        CARE_TEAM, methods=FORM_ADDRESS, kwargs=patient, patient_scoped=True
    ),
    "patients:care_team_remove": Rule(
        CARE_TEAM,
        methods=FORM_ADDRESS,
        patient_scoped=True,
        kwargs=lambda p: {
            "patient_id": p.patient.pk,
            "member_id": p.patient.care_team.get(user=p.clinician).pk,
        },
    ),
    "patients:contact_plan": Rule(
        CARE_TEAM, methods=("GET", "POST"), kwargs=patient, patient_scoped=True
    ),
    "patients:contact_channel": Rule(
        CARE_TEAM,
        methods=("GET", "POST"),
        patient_scoped=True,
        kwargs=lambda p: {"patient_id": p.patient.pk, "channel": "sms"},
    ),
    "patients:emergency": Rule(CARE_STAFF, methods=("GET", "POST")),
    "patients:emergency_search": Rule(CLINICIAN, methods=FORM_ADDRESS, kwargs=emergency_search),
    "patients:emergency_open": Rule(
        CLINICIAN,
        methods=FORM_ADDRESS,
        kwargs=lambda p: {**emergency_search(p), "patient_id": p.patient.pk},
    ),
    "patients:emergency_end": Rule(CLINICIAN, methods=FORM_ADDRESS, kwargs=emergency_search),
    "patients:emergency_reviews": Rule(AUDITORS),
    "patients:emergency_review": Rule(AUDITORS, methods=("GET", "POST"), kwargs=emergency_search),
    "accounts:notifications": Rule(SIGNED_IN),
    "accounts:notifications_read": Rule(SIGNED_IN, methods=FORM_ADDRESS),
    "accounts:password_change": Rule(SIGNED_IN, methods=("GET", "POST")),
    "accounts:staff_list": Rule(ADMINS),
    "accounts:staff_new": Rule(ADMINS, methods=("GET", "POST")),
    "accounts:staff_edit": Rule(ADMINS, methods=("GET", "POST"), kwargs=staff_member),
    "accounts:staff_reset_second_factor": Rule(ADMINS, methods=FORM_ADDRESS, kwargs=staff_member),
    "accounts:staff_unlock": Rule(ADMINS, methods=FORM_ADDRESS, kwargs=staff_member),
    "api_clients:list": Rule(ADMINS),
    "api_clients:new": Rule(ADMINS, methods=("GET", "POST")),
    "api_clients:revoke": Rule(ADMINS, methods=FORM_ADDRESS, kwargs=api_client),
    "screening:overview": Rule(
        CARE_TEAM, methods=("GET", "POST"), kwargs=patient, patient_scoped=True
    ),
    "screening:session": Rule(CARE_TEAM, patient_scoped=True, kwargs=scored_session),
    "screening:privacy": Rule(
        CARE_TEAM,
        methods=("GET", "POST"),
        kwargs=lambda p: screening_session(p, instruments=("pc-ptsd-5",)),
    ),
    "screening:defer": Rule(
        CARE_TEAM,
        methods=FORM_ADDRESS,
        kwargs=lambda p: screening_session(p, instruments=("pc-ptsd-5",)),
    ),
    "screening:ask": Rule(
        CARE_TEAM,
        methods=("GET", "POST"),
        kwargs=lambda p: {**screening_session(p), "instrument_id": "phq-9"},
    ),
    "screening:kiosk_handover": Rule(
        CARE_TEAM, methods=("GET", "POST"), kwargs=lambda p: screening_session(p, mode="kiosk")
    ),
    "screening:acknowledge": Rule(CARE_TEAM, methods=FORM_ADDRESS, kwargs=scored_result),
    "screening:release": Rule(
        CARE_TEAM, methods=FORM_ADDRESS, kwargs=lambda p: screening_session(p, mode="kiosk")
    ),
    "screening:decide_code": Rule(CARE_TEAM, methods=FORM_ADDRESS, kwargs=scored_result),
    "screening:kiosk": Rule(SIGNED_IN),
    "screening:kiosk_language": Rule(SIGNED_IN, methods=FORM_ADDRESS),
    "screening:kiosk_questions": Rule(
        SIGNED_IN, methods=("GET", "POST"), kwargs=lambda p: {"instrument_id": "phq-9"}
    ),
    "screening:kiosk_done": Rule(SIGNED_IN),
    "screening:kiosk_exit": Rule(SIGNED_IN),
    "screening:kiosk_unlock": Rule(SIGNED_IN, methods=("GET", "POST")),
    # Acts only on the tablet's own screening, and only for its patient's care team.
    "screening:kiosk_resume": Rule(SIGNED_IN, methods=FORM_ADDRESS),
    "screening:thresholds": Rule(ADMINS, methods=("GET", "POST")),
    "encounters:preferences": Rule(
        CARE_TEAM, methods=("GET", "POST"), kwargs=patient, patient_scoped=True
    ),
    "encounters:visits": Rule(
        CARE_TEAM, methods=("GET", "POST"), kwargs=patient, patient_scoped=True
    ),
    "encounters:visit": Rule(CARE_TEAM, kwargs=visit, patient_scoped=True),
    "encounters:visit_edit": Rule(
        CARE_TEAM, methods=("GET", "POST"), kwargs=visit, patient_scoped=True
    ),
    "encounters:instructions": Rule(
        CARE_TEAM, methods=FORM_ADDRESS, kwargs=visit, patient_scoped=True
    ),
    "encounters:visit_end": Rule(
        CARE_TEAM, methods=FORM_ADDRESS, kwargs=visit, patient_scoped=True
    ),
    "encounters:consent_add": Rule(
        CARE_TEAM, methods=FORM_ADDRESS, kwargs=visit, patient_scoped=True
    ),
    "encounters:consent_withdraw": Rule(
        CARE_TEAM, methods=FORM_ADDRESS, kwargs=visit_consent, patient_scoped=True
    ),
    "encounters:exam_step_add": Rule(
        CARE_TEAM, methods=FORM_ADDRESS, kwargs=visit, patient_scoped=True
    ),
    "encounters:injury_add": Rule(
        CARE_TEAM, methods=FORM_ADDRESS, kwargs=visit, patient_scoped=True
    ),
    "encounters:photo_upload": Rule(
        CARE_TEAM, methods=FORM_ADDRESS, kwargs=visit_injury, patient_scoped=True
    ),
    # Photographs: the care team passes, then step-up; the read is audited after step-up
    # (tests/encounters/test_photo_views.py), so these are not checked as audited reads here.
    "encounters:photos": Rule(CARE_TEAM, kwargs=visit),
    "encounters:photo": Rule(CARE_TEAM, kwargs=visit_photo),
    "encounters:photo_thumbnail": Rule(CARE_TEAM, kwargs=visit_photo),
    "encounters:follow_up": Rule(
        CARE_TEAM, methods=FORM_ADDRESS, kwargs=visit, patient_scoped=True
    ),
    "encounters:disclosure_add": Rule(
        CARE_TEAM, methods=FORM_ADDRESS, kwargs=visit, patient_scoped=True
    ),
    "encounters:summary": Rule(CARE_TEAM, kwargs=visit, patient_scoped=True),
    # Audited as a print, not a read (tests/encounters/test_summary_views.py).
    "encounters:summary_print": Rule(CARE_TEAM, methods=FORM_ADDRESS, kwargs=visit),
    "careplans:plan": Rule(CARE_TEAM, kwargs=patient, patient_scoped=True),
    "careplans:generate": Rule(CARE_TEAM, methods=FORM_ADDRESS, kwargs=visit, patient_scoped=True),
    "careplans:activity_add": Rule(
        CARE_TEAM, methods=FORM_ADDRESS, kwargs=patient, patient_scoped=True
    ),
    "careplans:activity_status": Rule(
        CARE_TEAM, methods=FORM_ADDRESS, kwargs=planned_activity, patient_scoped=True
    ),
    "careplans:activity_owner": Rule(
        CARE_TEAM, methods=FORM_ADDRESS, kwargs=planned_activity, patient_scoped=True
    ),
    "careplans:appointment_add": Rule(
        CARE_TEAM, methods=FORM_ADDRESS, kwargs=planned_activity, patient_scoped=True
    ),
    # Clinical leads (a clinician so marked) and administrators; no persona but the
    # administrator is a lead (tests/careplans/test_protocol_views.py checks a lead).
    "careplans:worklist": Rule(CARE_STAFF | {"manager"}),
    "careplans:protocols": Rule(ADMINS),
    "careplans:protocol_copy": Rule(ADMINS, methods=FORM_ADDRESS),
    "careplans:protocol_edit": Rule(ADMINS, methods=("GET", "POST"), kwargs=clinic_protocol),
    "careplans:protocol_dry_run": Rule(ADMINS, methods=FORM_ADDRESS, kwargs=clinic_protocol),
    "careplans:protocol_publish": Rule(ADMINS, methods=FORM_ADDRESS, kwargs=clinic_protocol),
    "referrals:directory": Rule(DIRECTORY_READERS, methods=("GET", "POST")),
    "referrals:service": Rule(DIRECTORY_RECORD_READERS, kwargs=directory_service),
    "referrals:service_edit": Rule(
        DIRECTORY_MAINTAINERS, methods=("GET", "POST"), kwargs=directory_service
    ),
    "referrals:service_availability": Rule(
        DIRECTORY_MAINTAINERS, methods=FORM_ADDRESS, kwargs=directory_service
    ),
    "referrals:service_status": Rule(
        DIRECTORY_MAINTAINERS, methods=FORM_ADDRESS, kwargs=directory_service
    ),
    "referrals:manage": Rule(DIRECTORY_MAINTAINERS),
    "referrals:organization_new": Rule(DIRECTORY_MAINTAINERS, methods=("GET", "POST")),
    "referrals:organization_edit": Rule(
        DIRECTORY_MAINTAINERS, methods=("GET", "POST"), kwargs=directory_organization
    ),
    "referrals:service_new": Rule(
        DIRECTORY_MAINTAINERS, methods=("GET", "POST"), kwargs=directory_organization
    ),
    "referrals:location_new": Rule(DIRECTORY_MAINTAINERS, methods=("GET", "POST")),
    "referrals:location_edit": Rule(
        DIRECTORY_MAINTAINERS, methods=("GET", "POST"), kwargs=directory_location
    ),
    "accounts:clinic_list": Rule(ADMINS),
    "accounts:clinic_settings": Rule(
        ADMINS, methods=("GET", "POST"), kwargs=lambda p: {"clinic_id": p.clinic.pk}
    ),
    "training:list": Rule(SIGNED_IN),
    "training:module": Rule(
        SIGNED_IN, methods=("GET", "POST"), kwargs=lambda p: {"module_id": "consent"}
    ),
    "training:status": Rule(frozenset({"admin", "manager"})),
    "referrals:referral_start": Rule(
        CARE_TEAM, methods=("GET", "POST"), kwargs=patient, patient_scoped=True
    ),
    "referrals:referral": Rule(CARE_TEAM, kwargs=referral_draft, patient_scoped=True),
    "referrals:referral_share": Rule(REFERRAL_OWNERS, methods=FORM_ADDRESS, kwargs=owned_draft),
    "referrals:referral_consent": Rule(REFERRAL_OWNERS, methods=FORM_ADDRESS, kwargs=owned_draft),
    "referrals:referral_send": Rule(REFERRAL_OWNERS, methods=FORM_ADDRESS, kwargs=owned_draft),
    "referrals:referral_link": Rule(REFERRAL_OWNERS, methods=FORM_ADDRESS, kwargs=owned_sent),
    "referrals:referral_status": Rule(REFERRAL_OWNERS, methods=FORM_ADDRESS, kwargs=owned_sent),
    "referrals:referral_handoff": Rule(REFERRAL_OWNERS, methods=FORM_ADDRESS, kwargs=owned_draft),
    "referrals:slip": Rule(CARE_TEAM, kwargs=referral_draft, patient_scoped=True),
    # Audited as a print, not a read (tests/referrals/test_referral_views.py).
    "referrals:slip_print": Rule(CARE_TEAM, methods=FORM_ADDRESS, kwargs=referral_draft),
    # The partner's link opens without an account; the token is its only key.
    "referrals:partner": Rule(EVERYONE, methods=("GET", "POST"), kwargs=partner_token),
    "referrals:counts": Rule(MANAGERS),
    # Program reports: program managers of the health system only; exports ask for step-up.
    "reports:report": Rule(MANAGERS),
    "reports:export": Rule(MANAGERS),
    "reports:download": Rule(MANAGERS),
    "referrals:settings": Rule(ADMINS, methods=("GET", "POST")),
    "audit:report": Rule(AUDITORS),
    "audit:export": Rule(AUDITORS),
    "patients:access_history": Rule(AUDITORS, kwargs=patient, patient_scoped=True),
    "messaging:contact_decisions": Rule(CARE_TEAM, kwargs=patient, patient_scoped=True),
    "messaging:reminder_rules_list": Rule(ADMINS),
    "messaging:reminder_rules": Rule(
        ADMINS, methods=("GET", "POST"), kwargs=lambda p: {"clinic_id": p.clinic.pk}
    ),
    **fhir_rules(),
}


def url_names(resolver: URLResolver | None = None, namespace: str = "") -> set[str]:
    names: set[str] = set()
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names |= url_names(entry, inner)
        elif isinstance(entry, URLPattern):
            assert entry.name, (
                f"URL pattern {entry.pattern} has no name, so the matrix cannot list it"
            )
            names.add(f"{namespace}{entry.name}")
    return names


def test_the_matrix_covers_every_url_pattern():
    assert url_names() == set(MATRIX), "add the new URL to MATRIX with who may use it"


CELLS = [
    (name, method, persona)
    for name, rule in MATRIX.items()
    for method in rule.methods
    for persona in PERSONAS
]


@pytest.mark.parametrize(
    ("name", "method", "persona"), CELLS, ids=["-".join(cell) for cell in CELLS]
)
def test_access_matrix(personas, client_for, name, method, persona):
    rule = MATRIX[name]
    url = reverse(name, kwargs=rule.kwargs(personas))
    user = personas.by_name(persona)
    denied_before = AuditEvent.objects.filter(outcome__in=("denied", "failed")).count()
    response = getattr(client_for(user), method.lower())(url)
    status = response.status_code
    if rule.token_only:
        assert status == (400 if name == "fhir:token" else 401), f"{persona} {name}: {status}"
        refusals = AuditEvent.objects.filter(outcome__in=("denied", "failed"))
        if user is not None:
            refusals = refusals.filter(actor=user)
        assert refusals.count() > (0 if user is not None else denied_before), (
            f"{persona}'s refused {method} {name} left no audit entry"
        )
        return
    to_sign_in = status == 302 and response.url.startswith(reverse("accounts:login"))
    refused = (to_sign_in and not rule.signs_out) or status in (403, 404)
    assert status < 500
    if persona in rule.allowed:
        assert not refused, f"{persona} was refused {method} {name} ({status})"
        if rule.patient_scoped and method == "GET" and status == 200:
            assert AuditEvent.objects.filter(
                action="read", outcome="success", actor=user, patient_id=personas.patient.pk
            ).exists(), f"{name}: the read was not audited"
    else:
        assert refused, f"{persona} got {status} from {method} {name}; the matrix says refused"
        if user is None:
            assert to_sign_in, f"anonymous {method} {name} should be sent to sign in"
        else:
            denied_now = AuditEvent.objects.filter(outcome="denied", actor=user).count()
            assert denied_now > denied_before, (
                f"{persona}'s refused {method} {name} left no audit entry"
            )


def test_fhir_urls_refuse_methods_they_do_not_take_with_an_operation_outcome(personas, client):
    # Only FHIR rows share FHIR addresses; each row's data is made once (other rows' data,
    # a sent referral or a clinic's protocol copy, cannot be made twice).
    fhir_rows = {name: rule for name, rule in MATRIX.items() if name.startswith("fhir:")}
    at = {name: reverse(name, kwargs=rule.kwargs(personas)) for name, rule in fhir_rows.items()}
    for name, url in at.items():
        served = {
            method
            for other, other_rule in fhir_rows.items()
            if at[other] == url
            for method in other_rule.methods
        }
        for method in {"GET", "POST", "PUT", "DELETE"} - served:
            response = getattr(client, method.lower())(url)
            assert response.status_code == 405, (name, method, response.status_code)
            assert response.json()["resourceType"] == "OperationOutcome"


def test_a_made_up_patient_id_is_not_found_and_audited(personas, client_for):
    import uuid

    ghost = uuid.uuid4()
    response = client_for(personas.clinician).get(reverse("patients:detail", args=[ghost]))
    assert response.status_code == 404
    assert AuditEvent.objects.filter(
        patient_id=ghost, outcome="denied", actor=personas.clinician
    ).exists()


def test_signing_out_ends_the_session(personas, client_for):
    client = client_for(personas.clinician)
    client.post(reverse("accounts:logout"))
    response = client.get(reverse("patients:detail", args=[personas.patient.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    assert AuditEvent.objects.filter(action="logout", actor=personas.clinician).exists()
