"""Every guarded action x every consent state: only a current "given" lets it through.

Guarded actions (issue 5): each examination step that needs consent, storing a photograph,
and each kind of disclosure made on the patient's consent. States: given, declined,
deferred, withdrawn, expired, missing. A refusal stores nothing and is audited.
"""

from __future__ import annotations

import datetime
import io

import pytest
import time_machine
from django.utils import timezone
from PIL import Image

from lantern.audit.models import AuditEvent
from lantern.encounters import consent_rules, services
from lantern.encounters.models import Disclosure, ExamStep, InjuryPhoto
from tests.encounters.conftest import give
from tests.factories import make_patient

STATES = ("given", "declined", "deferred", "withdrawn", "expired", "missing")


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 90)).save(out, format="PNG")
    return out.getvalue()


def put_in_state(personas, visit, scope, state, recipient=""):
    """Make the patient's consent for ``scope`` be in ``state`` now."""
    if state == "missing":
        return
    record = lambda status, **extra: services.consent_record(  # noqa: E731
        actor=personas.clinician,
        patient=personas.patient,
        encounter=visit,
        scope=scope,
        status=status,
        method="verbal",
        recipient=recipient,
        **extra,
    )
    if state == "expired":
        with time_machine.travel(timezone.now() - datetime.timedelta(days=2), tick=False):
            record("given", expires_at=timezone.now() + datetime.timedelta(days=1))
    elif state == "withdrawn":
        record("given")
        services.consent_withdraw(actor=personas.clinician, record=visit.consents.latest("pk"))
    else:
        record(state)


EXAM_CELLS = [
    (step, scope, state)
    for step, scopes in consent_rules.EXAM_STEPS.items()
    for scope in scopes
    for state in STATES
]


@pytest.mark.parametrize(
    ("step", "scope", "state"), EXAM_CELLS, ids=["-".join(c) for c in EXAM_CELLS]
)
def test_an_exam_step_needs_every_consent_it_depends_on(personas, visit, step, scope, state):
    others = [s for s in consent_rules.EXAM_STEPS[step] if s != scope]
    give(personas, visit, *others)
    put_in_state(personas, visit, scope, state)
    record = lambda: services.exam_step_record(  # noqa: E731
        actor=personas.clinician, encounter=visit, step=step, status="done", told_can_stop=True
    )
    if state == "given":
        assert record().consents.count() == len(consent_rules.EXAM_STEPS[step])
    else:
        with pytest.raises(services.ConsentRequired, match=f"{scope} \\({state}\\)"):
            record()
        assert not ExamStep.objects.exists()
        assert AuditEvent.objects.filter(
            outcome="denied", category="consent", detail__contains=f"{scope}={state}"
        ).exists()


@pytest.mark.parametrize("state", STATES)
def test_a_photo_needs_photo_consent(personas, visit, state):
    give(personas, visit, "general_exam")
    injury = services.injury_record(
        actor=personas.clinician,
        encounter=visit,
        side="front",
        region="left_arm",
        kind="bruise",
        healing="healing",
    )
    put_in_state(personas, visit, "photographs", state)
    store = lambda: services.photo_store(actor=personas.clinician, injury=injury, data=png())  # noqa: E731
    if state == "given":
        assert store().width == 40
    else:
        with pytest.raises(services.ConsentRequired):
            store()
        assert not InjuryPhoto.objects.exists()


DISCLOSURE_CELLS = [(kind, state) for kind in consent_rules.DISCLOSURE_SCOPES for state in STATES]


@pytest.mark.parametrize(
    ("kind", "state"), DISCLOSURE_CELLS, ids=["-".join(c) for c in DISCLOSURE_CELLS]
)
def test_a_disclosure_on_consent_needs_that_consent(personas, visit, kind, state):
    scope = consent_rules.DISCLOSURE_SCOPES[kind]
    recipient = "Harbor Legal Aid" if consent_rules.SCOPES[scope].named_recipient else ""
    put_in_state(personas, visit, scope, state, recipient)
    disclose = lambda: services.disclosure_create(  # noqa: E731
        actor=personas.clinician,
        patient=personas.patient,
        encounter=visit,
        kind=kind,
        recipient=recipient or "Recipient",
        basis="consent",
        shared="Visit summary",
    )
    if state == "given":
        disclosure = disclose()
        assert disclosure.consent is not None
        assert AuditEvent.objects.filter(action="disclose", patient_id=personas.patient.pk).exists()
    else:
        with pytest.raises(services.ConsentRequired):
            disclose()
        assert not Disclosure.objects.exists()


def test_consent_for_one_named_organisation_does_not_cover_another(personas, visit):
    put_in_state(personas, visit, "disclose_referral", "given", "Harbor Legal Aid")
    with pytest.raises(services.ConsentRequired):
        services.disclosure_create(
            actor=personas.clinician,
            patient=personas.patient,
            encounter=visit,
            kind="referral",
            recipient="Another Agency",
            basis="consent",
            shared="Name and phone",
        )
    services.disclosure_create(
        actor=personas.clinician,
        patient=personas.patient,
        encounter=visit,
        kind="referral",
        recipient="harbor legal  aid",
        basis="consent",
        shared="Name and phone",
    )


def mandate(personas, visit, patient=None, **extra):
    values = {
        "kind": "protective_services",
        "recipient": "County CPS",
        "shared": "Report",
        "legal_basis": "State child abuse reporting law",
        **extra,
    }
    return services.disclosure_create(
        actor=personas.clinician,
        patient=patient or personas.patient,
        encounter=visit,
        basis="mandate",
        **values,
    )


def test_a_mandated_report_names_its_legal_duty_instead_of_consent(personas, visit):
    teen = make_patient(
        actor=personas.clinician,
        clinic=personas.clinic,
        preferred_name="Teen",
        birth_date=datetime.date.today().replace(year=datetime.date.today().year - 15),
    )
    with pytest.raises(services.VisitError, match="law or duty"):
        mandate(personas, None, teen, legal_basis="")
    report = mandate(personas, None, teen, reference="CPS-2026-118")
    assert report.consent is None
    assert report.basis == "mandate"


@pytest.mark.parametrize(
    "kind", ["referral", "primary_care", "immigration_attorney", "deidentified"]
)
def test_no_legal_duty_overrides_the_patient_for_other_kinds_of_sharing(personas, visit, kind):
    with pytest.raises(services.VisitError, match="Only reports to protective services"):
        mandate(personas, visit, kind=kind, adult_duty=True)
    assert not Disclosure.objects.exists()
    assert AuditEvent.objects.filter(outcome="denied", detail__contains="refused").exists()


def test_an_adults_refusal_stands_unless_the_law_requires_the_report_for_adults(personas, visit):
    put_in_state(personas, visit, "disclose_law_enforcement", "declined")
    with pytest.raises(services.VisitError, match="This patient is an adult"):
        mandate(
            personas,
            visit,
            kind="law_enforcement",
            recipient="Police",
            legal_basis="State gunshot-wound reporting law",
        )
    assert not Disclosure.objects.exists()
    report = mandate(
        personas,
        visit,
        kind="law_enforcement",
        recipient="Police",
        legal_basis="State gunshot-wound reporting law",
        adult_duty=True,
    )
    assert AuditEvent.objects.filter(
        action="disclose", detail__contains="adult duty", object_id=str(report.pk)
    ).exists()


def test_a_guardian_cannot_consent_for_an_adult(personas, visit):
    with pytest.raises(services.VisitError, match="adult patient decides"):
        services.consent_record(
            actor=personas.clinician,
            patient=personas.patient,
            encounter=visit,
            scope="pelvic_exam",
            status="given",
            method="verbal",
            given_by="guardian",
        )
    assert not visit.consents.exists()


def test_a_stopped_step_must_have_begun_with_consent(personas, visit):
    with pytest.raises(services.ConsentRequired):
        services.exam_step_record(
            actor=personas.clinician,
            encounter=visit,
            step="pelvic_exam",
            status="stopped",
            told_can_stop=True,
        )
    give(personas, visit, "pelvic_exam", "undress", "touch")
    services.consent_withdraw(
        actor=personas.clinician, record=visit.consents.filter(scope="pelvic_exam").get()
    )
    entry = services.exam_step_record(
        actor=personas.clinician,
        encounter=visit,
        step="pelvic_exam",
        status="stopped",
        told_can_stop=True,
    )
    assert entry.status == "stopped"


def test_documenting_a_genital_injury_needs_pelvic_exam_consent(personas, visit):
    give(personas, visit, "general_exam")
    with pytest.raises(services.ConsentRequired, match="pelvic_exam"):
        services.injury_record(
            actor=personas.clinician,
            encounter=visit,
            side="front",
            region="pelvis",
            kind="genital",
            healing="fresh",
        )


def test_exam_consent_from_one_visit_does_not_carry_to_the_next(personas, visit):
    give(personas, visit, "general_exam")
    next_visit = services.encounter_start(
        actor=personas.clinician,
        patient=personas.patient,
        clinic=personas.clinic,
        kind="follow_up",
        companion="came_alone",
        interpreter="not_needed",
    )
    with pytest.raises(services.ConsentRequired, match="general_exam \\(missing\\)"):
        services.exam_step_record(
            actor=personas.clinician,
            encounter=next_visit,
            step="general_exam",
            status="done",
            told_can_stop=True,
        )


def test_withdrawal_stops_the_next_step_at_once_and_keeps_the_history(personas, visit):
    give(personas, visit, "general_exam", "touch")
    services.exam_step_record(
        actor=personas.clinician,
        encounter=visit,
        step="palpation",
        status="done",
        told_can_stop=True,
    )
    touch = visit.consents.filter(scope="touch").latest("pk")
    services.consent_withdraw(actor=personas.clinician, record=touch)
    with pytest.raises(services.ConsentRequired, match="touch \\(withdrawn\\)"):
        services.exam_step_record(
            actor=personas.clinician,
            encounter=visit,
            step="palpation",
            status="done",
            told_can_stop=True,
        )
    assert list(visit.consents.filter(scope="touch").values_list("status", flat=True)) == [
        "withdrawn",
        "given",
    ]


def test_a_declined_or_stopped_step_is_recorded_without_consent(personas, visit):
    entry = services.exam_step_record(
        actor=personas.clinician,
        encounter=visit,
        step="pelvic_exam",
        status="declined",
        told_can_stop=True,
    )
    assert entry.status == "declined"


def test_scopes_in_rules_and_choices_agree():
    from lantern.encounters.choices import Scope

    assert set(consent_rules.SCOPES) == set(Scope.values)


def test_exam_steps_and_disclosure_kinds_in_rules_and_choices_agree():
    from lantern.encounters.choices import DisclosureKind, ExamStepKind

    assert set(consent_rules.EXAM_STEPS) == set(ExamStepKind.values)
    assert set(consent_rules.DISCLOSURE_SCOPES) == set(DisclosureKind.values)


def test_nothing_is_added_to_a_visit_that_has_ended(personas, visit):
    give(personas, visit, "general_exam")
    injury = services.injury_record(
        actor=personas.clinician,
        encounter=visit,
        side="front",
        region="neck",
        kind="ligature",
        healing="fresh",
    )
    services.encounter_end(actor=personas.clinician, encounter=visit)
    with pytest.raises(services.VisitError, match="ended"):
        services.injury_record(
            actor=personas.clinician,
            encounter=visit,
            side="back",
            region="upper_back",
            kind="bruise",
            healing="healing",
        )
    with pytest.raises(services.VisitError, match="ended"):
        services.photo_store(actor=personas.clinician, injury=injury, data=png())


def test_every_state_the_rules_conclude_is_in_the_one_consent_vocabulary():
    from lantern.encounters.choices import ConsentStatus

    now = timezone.now()
    facts = {
        status: [consent_rules.ConsentFact("touch", status, now, encounter_id=1)]
        for status in ("given", "declined", "deferred", "withdrawn")
    }
    facts["expired"] = [
        consent_rules.ConsentFact("touch", "given", now, encounter_id=1, expires_at=now)
    ]
    facts["missing"] = []
    for state, history in facts.items():
        decision = consent_rules.decide(history, "touch", now, encounter_id=1)
        assert decision.state == ConsentStatus(state)
        assert decision.state.label == ConsentStatus(state).label  # one label, shown everywhere
    assert set(facts) == set(ConsentStatus.values)
