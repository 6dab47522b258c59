"""Vocabularies of visits, consent, examination, injuries and disclosures."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class EncounterKind(models.TextChoices):
    EMERGENCY = "emergency", _("Emergency")
    CLINIC = "clinic", _("Clinic visit")
    FOLLOW_UP = "follow_up", _("Follow-up")
    TELEHEALTH = "telehealth", _("Telehealth")


class CompanionStatus(models.TextChoices):
    CAME_ALONE = "came_alone", _("Came alone")
    STEPPED_OUT = "stepped_out", _("Companion asked to step out, and did")
    STAYED = "stayed", _("Companion stayed")
    NOT_ASKED = "not_asked", _("Companion present, not asked to step out")


class Interpreter(models.TextChoices):
    NOT_NEEDED = "not_needed", _("No interpreter needed")
    IN_PERSON = "in_person", _("Professional interpreter, in person")
    REMOTE = "remote", _("Professional interpreter, by phone or video")


class ClinicianGender(models.TextChoices):
    NO_PREFERENCE = "", _("No preference")
    WOMAN = "woman", _("A woman")
    MAN = "man", _("A man")
    NON_BINARY = "non_binary", _("A non-binary clinician")


class Scope(models.TextChoices):
    GENERAL_EXAM = "general_exam", _("General examination")
    TOUCH = "touch", _("Being touched during the examination")
    UNDRESS = "undress", _("Undressing or wearing a gown")
    PELVIC_EXAM = "pelvic_exam", _("Pelvic or anogenital examination")
    SWAB_SELF = "swab_self", _("Swabs the patient takes themselves")
    SWAB_CLINICIAN = "swab_clinician", _("Swabs taken by a clinician")
    BLOOD_DRAW = "blood_draw", _("Blood draw")
    PHOTOGRAPHS = "photographs", _("Photographs of injuries")
    EVIDENCE_KIT = "evidence_kit", _("Forensic evidence kit")
    DISCLOSE_REFERRAL = "disclose_referral", _("Share with a named referral organisation")
    DISCLOSE_PRIMARY_CARE = "disclose_primary_care", _("Share with primary care / the EHR")
    DISCLOSE_LAW_ENFORCEMENT = "disclose_law_enforcement", _("Report to law enforcement")
    DISCLOSE_PROTECTIVE_SERVICES = (
        "disclose_protective_services",
        _("Report to child or adult protective services"),
    )
    DISCLOSE_IMMIGRATION_ATTORNEY = (
        "disclose_immigration_attorney",
        _("Share with an immigration attorney"),
    )
    DISCLOSE_DEIDENTIFIED = "disclose_deidentified", _("Include in de-identified reporting")


class ConsentStatus(models.TextChoices):
    """Where a patient's consent to one scope stands: Lantern's one consent vocabulary.

    A consent record says given, declined, deferred or withdrawn (``RECORDED_STATUSES``);
    the consent rules conclude expired or missing when no current record decides.
    """

    GIVEN = "given", _("Given")
    DECLINED = "declined", _("Declined")
    DEFERRED = "deferred", _("Deferred: ask again later")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")
    MISSING = "missing", _("Not asked yet")


RECORDED_STATUSES = [
    (status.value, status.label)
    for status in (
        ConsentStatus.GIVEN,
        ConsentStatus.DECLINED,
        ConsentStatus.DEFERRED,
        ConsentStatus.WITHDRAWN,
    )
]


class ConsentMethod(models.TextChoices):
    VERBAL = "verbal", _("Verbal")
    WRITTEN = "written", _("Written")
    SIGNATURE = "signature", _("Signature")


class ConsentGiver(models.TextChoices):
    PATIENT = "patient", _("The patient")
    GUARDIAN = "guardian", _("A parent or guardian")


class ExamStepKind(models.TextChoices):
    GENERAL_EXAM = "general_exam", _("General examination")
    PALPATION = "palpation", _("Examination by touch")
    GOWN = "gown", _("Undressing / gown")
    PELVIC_EXAM = "pelvic_exam", _("Pelvic or anogenital examination")
    SWAB_SELF = "swab_self", _("Self-collected swabs")
    SWAB_CLINICIAN = "swab_clinician", _("Clinician-collected swabs")
    BLOOD_DRAW = "blood_draw", _("Blood draw")
    EVIDENCE_KIT = "evidence_kit", _("Forensic evidence kit")


class ExamStepStatus(models.TextChoices):
    DONE = "done", _("Done")
    SKIPPED = "skipped", _("Skipped")
    DECLINED = "declined", _("Declined by the patient")
    STOPPED = "stopped", _("Stopped by the patient")


class BodySide(models.TextChoices):
    # "Back" alone is also the navigation link back to a page: a context keeps them apart.
    FRONT = "front", pgettext_lazy("side of the body", "Front")
    BACK = "back", pgettext_lazy("side of the body", "Back")


class BodyRegion(models.TextChoices):
    HEAD = "head", _("Head and face")
    NECK = "neck", _("Neck")
    CHEST = "chest", _("Chest")
    ABDOMEN = "abdomen", _("Abdomen")
    PELVIS = "pelvis", _("Pelvis and genitals")
    UPPER_BACK = "upper_back", _("Upper back")
    LOWER_BACK = "lower_back", _("Lower back")
    BUTTOCKS = "buttocks", _("Buttocks")
    LEFT_ARM = "left_arm", _("Left arm")
    RIGHT_ARM = "right_arm", _("Right arm")
    LEFT_HAND = "left_hand", _("Left hand and wrist")
    RIGHT_HAND = "right_hand", _("Right hand and wrist")
    LEFT_LEG = "left_leg", _("Left leg")
    RIGHT_LEG = "right_leg", _("Right leg")
    LEFT_FOOT = "left_foot", _("Left foot and ankle")
    RIGHT_FOOT = "right_foot", _("Right foot and ankle")


class InjuryKind(models.TextChoices):
    BRUISE = "bruise", _("Bruise")
    CUT = "cut", _("Cut or laceration")
    CIGARETTE_BURN = "cigarette_burn", _("Cigarette burn")
    OTHER_BURN = "burn", _("Other burn")
    LIGATURE = "ligature", _("Cord or ligature mark")
    NEEDLE_MARKS = "needle_marks", _("Needle marks")
    FRACTURE = "fracture", _("Suspected fracture")
    BLACK_EYE = "black_eye", _("Black eye")
    BITE = "bite", _("Bite")
    TATTOO_BRANDING = "tattoo_branding", _("Tattoo or branding")
    GENITAL = "genital", _("Genital injury")
    OTHER = "other", _("Other")


class HealingStage(models.TextChoices):
    FRESH = "fresh", _("Fresh (hours to a day or two)")
    HEALING = "healing", _("Healing")
    HEALED = "healed", _("Healed or scar")
    MIXED = "mixed", _("Different stages")
    UNKNOWN = "unknown", _("Cannot tell")


class DisclosureKind(models.TextChoices):
    REFERRAL = "referral", _("Referral organisation")
    PRIMARY_CARE = "primary_care", _("Primary care / EHR")
    LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement")
    PROTECTIVE_SERVICES = "protective_services", _("Child or adult protective services")
    IMMIGRATION_ATTORNEY = "immigration_attorney", _("Immigration attorney")
    DEIDENTIFIED = "deidentified", _("De-identified reporting")


class DisclosureBasis(models.TextChoices):
    CONSENT = "consent", _("The patient's consent")
    MANDATE = "mandate", _("A legal duty to report (mandated report)")


class ExposureTime(models.TextChoices):
    """How well the time of the assault or exposure is known."""

    EXACT = "exact", _("Known")
    APPROXIMATE = "approximate", _("Approximate (the patient's estimate)")
    UNKNOWN = "unknown", _("Unknown")


class NpepStart(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    HERE = "here", _("Started here")
    ELSEWHERE = "elsewhere", _("Started elsewhere")


class HivStatus(models.TextChoices):
    NEGATIVE = "negative", _("Negative (baseline test)")
    POSITIVE = "positive", _("Living with HIV")
    UNKNOWN = "unknown", _("Not known yet")


class HivTestGeneration(models.TextChoices):
    NOT_DONE = "", _("No test yet, or not known")
    FOURTH = "4", _("4th generation (antigen/antibody)")
    THIRD = "3", _("3rd generation (antibody)")


class Pregnancy(models.TextChoices):
    UNKNOWN = "unknown", _("Not known")
    NOT_PREGNANT = "no", _("Not pregnant")
    PREGNANT = "yes", _("Pregnant")


class HbvImmunity(models.TextChoices):
    UNKNOWN = "unknown", _("Not known")
    IMMUNE = "immune", _("Immune")
    NOT_IMMUNE = "not_immune", _("Not immune")


class ChronicCondition(models.TextChoices):
    DIABETES = "diabetes", _("Diabetes (e.g. insulin)")
    HYPERTENSION = "hypertension", _("High blood pressure")
    ASTHMA = "asthma", _("Asthma")
    EPILEPSY = "epilepsy", _("Epilepsy")
    HIV = "hiv", _("HIV treatment")
    MENTAL_ILLNESS = "mental-illness", _("Long-term mental illness")
    OTHER = "other", _("Other long-term medication")
