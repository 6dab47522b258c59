"""The visit page, and what every visit view shares: finding the visit and drawing the page.

Every form of the visit page posts to its own view; a form that fails comes back on this
page with what was typed, through ``visit_with_errors``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from lantern.accounts.access import AuthenticatedHttpRequest, refused_as_not_found
from lantern.accounts.chart_access import Section
from lantern.audit.models import Category
from lantern.audit.services import audit_read_shown
from lantern.encounters import body_map, consent_rules, photos, services
from lantern.encounters.choices import DisclosureBasis, DisclosureKind, Scope
from lantern.encounters.forms import (
    ConsentForm,
    DisclosureForm,
    ExamStepForm,
    InjuryForm,
    InstructionsForm,
    PhotoForm,
)
from lantern.encounters.models import (
    CarePreferences,
    ConsentRecord,
    Encounter,
    FollowUpAssessment,
    InjuryPhoto,
)
from lantern.patients.access import chart_for
from lantern.patients.models import Patient
from lantern.screening import alerts


def visit_for(request: AuthenticatedHttpRequest, patient: Patient, visit_id: int) -> Encounter:
    """The patient's visit, or 404 (audited) for a visit of someone else or none at all."""
    visit = Encounter.objects.filter(pk=visit_id, patient=patient).select_related("clinic").first()
    if visit is None:
        raise refused_as_not_found(request, "visit of another patient", patient.pk)
    visit.patient = patient  # already read (and opened): not read again through the visit
    return visit


def refusal_message(error: services.VisitError | photos.PhotoError) -> str:
    """The service's refusal, in words staff read: for want of consent, which consent and in
    what state; otherwise the refusal's own message."""
    if isinstance(error, services.RecipientNotCovered):
        return _(
            "Not recorded: the patient agreed to share only with %(covered)s, not with "
            "“%(recipient)s”. Ask the patient before sharing with anyone else."
        ) % {
            "covered": ", ".join(f"“{name}”" for name in error.covered),
            "recipient": error.recipient,
        }
    if not isinstance(error, services.ConsentRequired):
        return str(error)
    labels = dict(Scope.choices)
    missing = "; ".join(
        f"{labels[decision.scope]} ({decision.state.label.lower()})" for decision in error.decisions
    )
    return _("Not recorded: this needs the patient's current consent for: %(consents)s.") % {
        "consents": missing
    }


@dataclass(frozen=True)
class ConsentRow:
    """A scope (and named recipient) with the decision that counts now."""

    scope: str
    label: str
    recipient: str
    decision: consent_rules.Decision
    record: ConsentRecord | None

    @property
    def state_label(self) -> str:
        return str(self.decision.state.label)


def _recipients(records: list[ConsentRecord], scope: str) -> list[str]:
    """Each named recipient of ``scope`` once, spelled as most recently recorded."""
    seen: dict[str, str] = {}
    for record in records:  # newest first
        if record.scope == scope and record.recipient:
            seen.setdefault(consent_rules.fold_recipient(record.recipient), record.recipient)
    return list(seen.values())


def consent_rows(visit: Encounter, records: list[ConsentRecord]) -> list[ConsentRow]:
    """Each scope's decision, from ``records``: the visit's history (``_history``) holds every
    record that can decide a scope in this visit, so nothing more is loaded."""
    by_id = {record.pk: record for record in records}
    facts, now = [record.as_fact() for record in records], timezone.now()

    def decide(scope: str, recipient: str = "") -> consent_rules.Decision:
        return consent_rules.decide(facts, scope, now, encounter_id=visit.pk, recipient=recipient)

    rows = []
    for scope, label in Scope.choices:
        if not consent_rules.SCOPES[scope].named_recipient:
            pairs = [("", decide(scope))]
        else:
            pairs = [(n, decide(scope, n)) for n in _recipients(records, scope) or [""]]
        for recipient, decision in pairs:
            record = by_id.get(decision.record_id) if decision.record_id else None
            rows.append(ConsentRow(scope, str(label), recipient, decision, record))
    return rows


def allowed_steps(rows: list[ConsentRow]) -> list[str]:
    """Exam steps whose consents are all current: the only ones offered as done."""
    given = {row.scope for row in rows if row.decision.allowed}
    return [step for step, scopes in consent_rules.EXAM_STEPS.items() if set(scopes) <= given]


def covered_disclosures(rows: list[ConsentRow]) -> list[tuple[str, str, list[str]]]:
    """(kind, label, covered recipients) for each kind the patient's consent covers now."""
    covered = []
    for kind, label in DisclosureKind.choices:
        scope = consent_rules.DISCLOSURE_SCOPES[kind]
        given = [row for row in rows if row.scope == scope and row.decision.allowed]
        if given:
            covered.append((kind, str(label), [row.recipient for row in given if row.recipient]))
    return covered


def _history(patient: Patient, visit: Encounter) -> list[ConsentRecord]:
    """The patient's consent records that bear on this visit, newest first: this visit's,
    and those that are not tied to one visit (sharing and reporting)."""
    per_visit = [code for code, scope in consent_rules.SCOPES.items() if scope.per_visit]
    return list(
        ConsentRecord.objects.filter(patient=patient)
        .filter(Q(encounter=visit) | ~Q(scope__in=per_visit))
        .select_related("recorded_by")
    )


def _injuries(visit: Encounter, can_photograph: bool, failed: PhotoForm | None) -> list[Any]:
    injuries: list[Any] = list(visit.injuries.annotate(photo_count=Count("photos")))
    for injury in injuries:
        prefix = f"photo-{injury.pk}"
        if failed is not None and failed.prefix == prefix:
            injury.photo_form = failed  # shown with its errors, even once consent is gone
        elif can_photograph:
            injury.photo_form = PhotoForm(prefix=prefix)
    return injuries


def _blank_forms(visit: Encounter) -> dict[str, Any]:
    """Every form of the visit page, empty; a form that failed replaces its blank one."""
    return {
        "consent_form": ConsentForm(adult=visit.patient.is_minor() is False),
        "done_form": ExamStepForm(done=True),
        "other_form": ExamStepForm(done=False),
        "injury_form": InjuryForm(),
        "consent_disclosure_form": DisclosureForm(basis=DisclosureBasis.CONSENT),
        "mandate_form": DisclosureForm(
            basis=DisclosureBasis.MANDATE, adult=visit.patient.is_minor() is False
        ),
        "instructions_form": InstructionsForm(
            initial={"patient_instructions": visit.patient_instructions}
        ),
    }


def _follow_up(patient: Patient, visit: Encounter, failed: Any) -> dict[str, Any]:
    """The follow-up assessment, its form, the decision support and the plan it made."""
    # Imported here: the care-plan app depends on visits, not the other way round.
    from lantern.careplans.decision_support import visit_support
    from lantern.careplans.models import Activity
    from lantern.encounters.views.follow_up import follow_up_form

    assessment = FollowUpAssessment.objects.filter(encounter=visit).first()
    return {
        "follow_up": assessment,
        "follow_up_form": failed or follow_up_form(patient, visit, assessment=assessment),
        "follow_up_support": visit_support(visit, assessment),
        "planned_from_visit": Activity.objects.filter(origin_visit=visit).count(),
    }


def visit_context(
    request: AuthenticatedHttpRequest,
    patient: Patient,
    visit: Encounter,
    *,
    can_write: bool,
    **forms: Any,
) -> dict[str, Any]:
    """Everything the visit page shows, limited to the parts of the chart the user's role
    sees (``chart_access``): a part it does not see is never loaded."""
    chart = chart_for(request, patient)
    records = _history(patient, visit)
    rows = consent_rows(visit, records)
    steps = allowed_steps(rows)
    covered = covered_disclosures(rows)
    can_photograph = Section.PHOTOGRAPHS in chart and any(
        row.scope == "photographs" and row.decision.allowed for row in rows
    )
    failed_photo = forms.pop("photo_form", None)
    injuries = _injuries(visit, can_photograph, failed_photo) if Section.INJURIES in chart else []
    shows_consents = Section.CONSENTS in chart
    failed_follow_up = forms.pop("follow_up_form", None)
    context: dict[str, Any] = {
        "patient": patient,
        "visit": visit,
        "chart": chart,
        "can_write": can_write,
        "minor": patient.is_minor(),
        "preferences": CarePreferences.objects.filter(patient=patient).first(),
        "staff_present": visit.staff_present.order_by("display_name"),
        "consent_rows": rows if shows_consents else [],
        "consent_history": records if shows_consents else [],
        "allowed_steps": steps,
        "exam_steps": (
            visit.exam_steps.select_related("recorded_by") if Section.EXAM_FINDINGS in chart else []
        ),
        "injuries": injuries,
        "body_views": body_map.views((i.side, i.region) for i in injuries),
        "can_photograph": can_photograph,
        "photo_count": (
            InjuryPhoto.objects.filter(injury__encounter=visit).count()
            if Section.PHOTOGRAPHS in chart
            else 0
        ),
        "covered": covered,
        "disclosures": (
            visit.disclosures.select_related("disclosed_by") if Section.DISCLOSURES in chart else []
        ),
        "urgent_alerts": alerts.urgent_alerts(request.user, patient=patient),
        **_blank_forms(visit),
        # The follow-up assessment records exposure and what was given: examination findings.
        **(_follow_up(patient, visit, failed_follow_up) if Section.EXAM_FINDINGS in chart else {}),
    }
    context.update(forms)
    context["done_form"].offer_steps(steps)
    context["consent_disclosure_form"].offer_kinds(kind for kind, _label, _names in covered)
    return context


def render_visit(
    request: AuthenticatedHttpRequest,
    patient: Patient,
    visit: Encounter,
    *,
    can_write: bool,
    **forms: Any,
) -> HttpResponse:
    context = visit_context(request, patient, visit, can_write=can_write, **forms)
    return render(request, "encounters/visit.html", context)


def visit_with_errors(
    request: AuthenticatedHttpRequest, patient: Patient, visit: Encounter, **forms: Any
) -> HttpResponse:
    """Show the visit page again with the form that failed, keeping what was typed (only the
    care team reaches a form, so the page is the writable one)."""
    audit_read_shown(request=request, patient_id=patient.pk, obj=visit, category=Category.EXAM)
    return render_visit(request, patient, visit, can_write=True, **forms)
