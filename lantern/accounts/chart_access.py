"""Which parts of a patient's chart each care role sees: one table, enforced everywhere.

Every page and service that shows a part of the chart asks ``chart_sections`` first, and
every write to a part asks ``may_see`` (through ``patient_for(..., section=...)``). Hiding a
link is never the control: a section the role may not see is not loaded, not rendered, and
its addresses answer 404 with a denied entry in the audit trail.

Advocates and counselors do not see examination findings, injuries, photographs or
diagnosis codes: their work does not need them, and a survivor's body is not everyone's
business. A clinic can open those sections to one of those roles (``ChartGrant``), for
example where advocates accompany forensic examinations.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.utils.translation import gettext_lazy as _

from lantern.accounts.models import Role, User


class Section(models.TextChoices):
    """A part of the chart that the table grants or withholds as a whole."""

    VISIT_DETAILS = "visit_details", _("Visit details (who was in the room, interpreter)")
    CONSENTS = "consents", _("Consents")
    EXAM_FINDINGS = "exam_findings", _("Examination findings")
    INJURIES = "injuries", _("Injuries and the body map")
    PHOTOGRAPHS = "photographs", _("Photographs")
    DIAGNOSIS_CODES = "diagnosis_codes", _("Diagnosis codes")
    DISCLOSURES = "disclosures", _("Disclosures and reports")
    SCREENING_RESULTS = "screening_results", _("Screening results")
    CONTACT_PLAN = "contact_plan", _("Safe contact and safety plans")
    TAKE_HOME = "take_home", _("Instructions and the after-visit summary")
    REFERRALS = "referrals", _("Referrals")
    CARE_PLAN = "care_plan", _("Care plan and follow-ups")


_EVERYTHING = frozenset(Section)
_CARE_WORK = frozenset(
    {
        Section.VISIT_DETAILS,
        Section.CONSENTS,
        Section.SCREENING_RESULTS,
        Section.CONTACT_PLAN,
        Section.REFERRALS,
        Section.CARE_PLAN,
    }
)

# The table: role -> the sections it sees without any clinic grant. A role that is not
# listed (program manager, privacy officer, administrator) opens no chart at all.
ROLE_SECTIONS: dict[str, frozenset[Section]] = {
    Role.CLINICIAN: _EVERYTHING,
    # Advocates help with reporting and sharing, and go through the take-home summary.
    Role.ADVOCATE: _CARE_WORK | {Section.DISCLOSURES, Section.TAKE_HOME},
    Role.COUNSELOR: _CARE_WORK,
}

# What a clinic may open to advocates or counselors (one ChartGrant row per role x section).
GRANTABLE: frozenset[Section] = frozenset(
    {Section.EXAM_FINDINGS, Section.INJURIES, Section.PHOTOGRAPHS, Section.DIAGNOSIS_CODES}
)
GRANTABLE_ROLES: frozenset[str] = frozenset({Role.ADVOCATE, Role.COUNSELOR})


class ChartSections:
    """The sections one person sees in one patient's chart.

    Templates ask ``{% if chart.exam_findings %}``; code asks ``Section.X in chart``.
    """

    def __init__(self, sections: Iterable[str]) -> None:
        self._sections = frozenset(str(section) for section in sections)

    def __contains__(self, section: object) -> bool:
        return str(section) in self._sections

    def __getitem__(self, section: str) -> bool:
        if section not in Section.values:
            raise KeyError(section)  # a misspelt section is never shown
        return section in self._sections

    def __repr__(self) -> str:
        return f"ChartSections({sorted(self._sections)})"


def sections_for_role(role: str, granted: Iterable[str] = ()) -> frozenset[Section]:
    """The table's answer for ``role``, with the grants of the clinic where it applies."""
    base = ROLE_SECTIONS.get(role, frozenset())
    if not base or role not in GRANTABLE_ROLES:
        return base
    return base | {Section(s) for s in granted if s in GRANTABLE}


def chart_sections(user: User, patient: object) -> ChartSections:
    """What ``user`` sees of ``patient``'s chart: their role's row, plus what a clinic of
    both the patient and the user grants their role (one query, none for clinicians)."""
    from lantern.accounts.models import ChartGrant

    role = user.role
    if role not in GRANTABLE_ROLES:
        return ChartSections(sections_for_role(role))
    granted = ChartGrant.objects.filter(
        role=role,
        clinic__in=user.clinics.all(),
        clinic__patients=patient,
    ).values_list("section", flat=True)
    return ChartSections(sections_for_role(role, granted))
