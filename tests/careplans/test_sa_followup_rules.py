"""Table tests: every rule of ``sa-followup-v1``, with the dates a clinician would see.

The patient in ``builders.BASE`` is assessed at 10:00 on 9 March 2026 (-04:00), twelve hours
after the exposure: a 24-year-old woman, not pregnant, HIV negative (4th-generation test),
not vaccinated, nothing given yet. Each test changes what its rule depends on.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from lantern.careplans.protocols import ACTIVITY_CODES, ACTIVITY_GROUPS, Facts, plan
from tests.careplans.builders import (
    ASSESSED,
    BASE,
    PROTOCOL,
    activities,
    facts,
    hours_before,
    only,
    plan_for,
    window,
)

NOW = "2026-03-09T10:00:00-04:00"
EXPOSURE = "2026-03-08T22:00:00-04:00"
UNKNOWN = "The exposure time is unknown"
APPROXIMATE = "The exposure time is approximate"


def ids(code: str, **changes: object) -> list[str]:
    return [activity.id for activity in activities(code, **changes)]


# --- HIV nPEP: 72 hours -------------------------------------------------------------------


def test_npep_is_urgent_due_within_24_hours_and_closes_at_72():
    npep = only("hiv-npep")
    assert npep.urgent
    assert window(npep) == (NOW, EXPOSURE.replace("08T", "09T"), "2026-03-11T22:00:00-04:00")
    assert npep.source == "a1"
    assert UNKNOWN not in npep.rationale
    assert APPROXIMATE not in npep.rationale


def test_npep_at_71_hours_has_one_hour_left():
    npep = only("hiv-npep", exposure_at=hours_before(71))
    assert window(npep) == (NOW, NOW, "2026-03-09T11:00:00-04:00")


def test_npep_at_exactly_72_hours_is_still_open():
    npep = only("hiv-npep", exposure_at=hours_before(72))
    assert npep.latest == ASSESSED


def test_npep_at_73_hours_is_closed_and_listed_as_closed():
    result = plan_for(exposure_at=hours_before(73))
    assert "hiv-npep" not in result.codes()
    assert "npep-adherence-check" not in result.codes()  # nothing to check without nPEP
    closed = [window for window in result.closed if window.code == "hiv-npep"]
    assert [c.latest.isoformat() for c in closed] == ["2026-03-09T09:00:00-04:00"]


@pytest.mark.parametrize("status", ["negative", "unknown"])
def test_npep_unless_hiv_positive(status):
    assert ids("hiv-npep", hiv_status=status) == ["hiv-npep"]


def test_no_npep_adherence_check_or_retests_for_people_living_with_hiv():
    codes = plan_for(hiv_status="positive").codes()
    assert not {"hiv-npep", "npep-adherence-check", "hiv-retest"} & set(codes)
    # ... but the rest of their follow-up stays.
    assert {"syphilis-retest", "followup-exam", "hbv-vaccine-dose"} <= set(codes)


def test_unknown_exposure_time_keeps_npep_urgent_due_now_with_the_reason():
    npep = only("hiv-npep", exposure_at=None)
    assert npep.urgent
    assert window(npep) == (NOW, NOW, "2026-03-12T10:00:00-04:00")
    assert UNKNOWN in npep.rationale


def test_approximate_exposure_time_counts_from_the_stated_time_and_says_so():
    npep = only("hiv-npep", exposure_at=hours_before(71), exposure_approximate=True)
    assert npep.latest.isoformat() == "2026-03-09T11:00:00-04:00"
    assert APPROXIMATE in npep.rationale


def test_adherence_check_3_to_5_days_after_a_planned_npep():
    check = only("npep-adherence-check")
    assert check.id == "npep-adherence"
    assert window(check) == (
        "2026-03-12T10:00:00-04:00",
        "2026-03-12T10:00:00-04:00",
        "2026-03-14T10:00:00-04:00",
    )


def test_npep_started_elsewhere_is_not_planned_again_and_its_check_counts_from_the_start():
    result = plan_for(exposure_at=hours_before(60), npep_started_at=hours_before(48))
    assert "hiv-npep" not in result.codes()
    (check,) = [a for a in result.activities if a.code == "npep-adherence-check"]
    assert check.id == "npep-adherence-started"
    assert window(check)[::2] == ("2026-03-10T10:00:00-04:00", "2026-03-12T10:00:00-04:00")


def test_npep_started_too_long_ago_for_the_adherence_window():
    result = plan_for(exposure_at=hours_before(160), npep_started_at=hours_before(150))
    assert "npep-adherence-check" not in result.codes()


# --- Emergency contraception: 120 hours ---------------------------------------------------


def test_emergency_contraception_is_urgent_and_closes_at_120_hours():
    ec = only("emergency-contraception")
    assert ec.urgent
    assert not ec.offer
    assert window(ec) == (NOW, "2026-03-11T22:00:00-04:00", "2026-03-13T22:00:00-04:00")


def test_emergency_contraception_at_119_hours_has_one_hour_left():
    ec = only("emergency-contraception", exposure_at=hours_before(119))
    assert ec.latest.isoformat() == "2026-03-09T11:00:00-04:00"


def test_emergency_contraception_at_121_hours_is_closed():
    result = plan_for(exposure_at=hours_before(121))
    assert "emergency-contraception" not in result.codes()
    assert "emergency-contraception" in [window.code for window in result.closed]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"pregnant": None}, ["emergency-contraception"]),
        ({"age_years": 14}, ["emergency-contraception"]),  # minors included
        ({"pregnant": True}, []),
        ({"ec_given": True}, []),
        ({"sex_at_birth": "male"}, []),
        ({"sex_at_birth": "intersex"}, ["emergency-contraception-intersex"]),
        ({"sex_at_birth": "intersex", "pregnant": True}, []),
    ],
)
def test_who_is_offered_emergency_contraception(changes, expected):
    assert ids("emergency-contraception", **changes) == expected


def test_intersex_emergency_contraception_is_an_offer_for_the_clinician():
    ec = only("emergency-contraception", sex_at_birth="intersex")
    assert ec.urgent
    assert ec.offer
    assert "clinician" in ec.title
    assert "for the clinician to decide" in ec.rationale


def test_unknown_exposure_time_keeps_emergency_contraception_due_now():
    ec = only("emergency-contraception", exposure_at=None)
    assert window(ec) == (NOW, NOW, "2026-03-14T10:00:00-04:00")
    assert UNKNOWN in ec.rationale


# --- STI prophylaxis ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "activity_id", "says", "source"),
    [
        ({}, "sti-prophylaxis-female", "doxycycline 100 mg", "c1"),
        ({"pregnant": None}, "sti-prophylaxis-pregnancy-possible", "azithromycin 1 g", "c1"),
        ({"pregnant": True}, "sti-prophylaxis-pregnancy-possible", "azithromycin 1 g", "c1"),
        ({"sex_at_birth": "male", "pregnant": False}, "sti-prophylaxis-male", "ceftriaxone", "c2"),
        ({"sex_at_birth": "intersex"}, "sti-prophylaxis-intersex", "anatomy", "c1"),
    ],
)
def test_sti_prophylaxis_regimen_follows_sex_and_pregnancy(changes, activity_id, says, source):
    prophylaxis = only("sti-prophylaxis", **changes)
    assert (prophylaxis.id, prophylaxis.source) == (activity_id, source)
    assert says in prophylaxis.rationale
    assert prophylaxis.urgent
    assert window(prophylaxis) == (NOW, NOW, "2026-03-09T23:59:59-04:00")  # at this visit


def test_no_sti_prophylaxis_once_given():
    assert activities("sti-prophylaxis", prophylaxis_given=True) == []


def test_the_female_regimen_without_doxycycline_swap_only_when_pregnancy_is_ruled_out():
    assert "instead of doxycycline" not in only("sti-prophylaxis").rationale
    assert "instead of doxycycline" in only("sti-prophylaxis", pregnant=None).rationale


# --- Follow-up exam, HIV and syphilis retests ---------------------------------------------


def test_followup_exam_one_to_two_weeks_after_the_exposure():
    exam = only("followup-exam")
    assert window(exam) == (
        "2026-03-15T22:00:00-04:00",
        "2026-03-15T22:00:00-04:00",
        "2026-03-22T22:00:00-04:00",
    )


def test_followup_exam_counts_from_the_assessment_when_the_exposure_is_unknown():
    exam = only("followup-exam", exposure_at=None)
    assert window(exam)[::2] == ("2026-03-16T10:00:00-04:00", "2026-03-23T10:00:00-04:00")
    assert UNKNOWN in exam.rationale


@pytest.mark.parametrize("signs", [["sores"], ["discharge"], ["bleeding"], ["warts"]])
def test_signs_of_an_sti_bring_the_followup_exam_within_a_week_of_the_exam(signs):
    exam = only("followup-exam", sti_signs=signs)
    assert exam.id == "followup-exam-sti-signs"
    assert window(exam) == (
        "2026-03-12T10:00:00-04:00",  # 3 days after the assessment: results to review
        "2026-03-16T10:00:00-04:00",
        "2026-03-16T10:00:00-04:00",  # within 1 week, not 1 to 2 weeks
    )
    assert "even if prophylaxis was given" in exam.rationale
    assert exam.source == "lp-sti-signs"


@pytest.mark.parametrize("prophylaxis_given", [True, False])
def test_signs_of_an_sti_count_from_the_exam_even_long_after_the_exposure(prophylaxis_given):
    # Seen three weeks after the exposure: the usual 1-2 week window has closed already.
    late = {"exposure_at": hours_before(21 * 24), "prophylaxis_given": prophylaxis_given}
    assert ids("followup-exam", **late) == []
    exam = only("followup-exam", sti_signs=["discharge", "sores"], **late)
    assert window(exam)[1] == "2026-03-16T10:00:00-04:00"


def test_hiv_retests_after_a_4th_generation_test():
    retests = activities("hiv-retest")
    assert [window(r)[::2] for r in retests] == [
        ("2026-04-05T22:00:00-04:00", "2026-04-19T22:00:00-04:00"),  # 4-6 weeks
        ("2026-05-31T22:00:00-04:00", "2026-06-14T22:00:00-04:00"),  # 12 weeks
    ]


@pytest.mark.parametrize("generation", [3, None])
def test_hiv_retests_after_a_3rd_generation_or_unrecorded_test(generation):
    retests = activities("hiv-retest", hiv_test_generation=generation)
    assert [r.earliest.isoformat() for r in retests] == [
        "2026-04-19T22:00:00-04:00",  # 6 weeks
        "2026-06-08T22:00:00-04:00",  # 3 months
        "2026-09-08T22:00:00-04:00",  # 6 months
    ]
    assert all(not r.urgent for r in retests)


def test_hiv_retest_windows_whose_time_has_passed_are_not_planned():
    retests = activities("hiv-retest", exposure_at=hours_before(24 * 7 * 7))  # 7 weeks ago
    assert [r.id for r in retests] == ["hiv-retest-4th-12w"]


def test_syphilis_retests_at_4_to_6_weeks_and_3_months_for_everyone():
    for changes in ({}, {"hiv_status": "positive"}, {"sex_at_birth": "male"}):
        retests = activities("syphilis-retest", **changes)
        assert [window(r)[::2] for r in retests] == [
            ("2026-04-05T22:00:00-04:00", "2026-04-19T22:00:00-04:00"),
            ("2026-06-08T22:00:00-04:00", "2026-07-08T22:00:00-04:00"),
        ]


# --- Pregnancy test -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, ["pregnancy-test"]),
        ({"pregnant": None}, ["pregnancy-test"]),
        ({"age_years": 10}, ["pregnancy-test"]),
        ({"age_years": 9}, []),
        ({"pregnant": True}, []),
        ({"sex_at_birth": "male"}, []),
        ({"sex_at_birth": "intersex"}, ["pregnancy-test-intersex"]),
    ],
)
def test_who_has_a_pregnancy_test(changes, expected):
    assert ids("pregnancy-test", **changes) == expected


def test_pregnancy_test_two_to_three_weeks_after_the_exposure():
    test = only("pregnancy-test")
    assert window(test)[::2] == ("2026-03-22T22:00:00-04:00", "2026-03-29T22:00:00-04:00")
    assert not only("pregnancy-test").offer
    assert only("pregnancy-test", sex_at_birth="intersex").offer


# --- Hepatitis B vaccine ------------------------------------------------------------------


def test_hbv_series_for_the_unvaccinated():
    doses = activities("hbv-vaccine-dose")
    assert [d.title for d in doses] == [f"Hepatitis B vaccine, dose {n} of 3" for n in (1, 2, 3)]
    assert [window(d) for d in doses] == [
        (NOW, NOW, "2026-03-23T10:00:00-04:00"),
        ("2026-04-09T10:00:00-04:00", "2026-04-09T10:00:00-04:00", "2026-05-09T10:00:00-04:00"),
        ("2026-07-09T10:00:00-04:00", "2026-07-09T10:00:00-04:00", "2026-09-09T10:00:00-04:00"),
    ]


def test_partly_vaccinated_next_dose_now_then_the_final_dose():
    doses = activities("hbv-vaccine-dose", hbv_vaccine_doses=1)
    assert [d.title for d in doses] == [
        "Hepatitis B vaccine, dose 2 of 3",
        "Hepatitis B vaccine, dose 3 of 3",
    ]
    assert window(doses[0]) == (NOW, NOW, "2026-03-23T10:00:00-04:00")
    assert window(doses[1])[::2] == ("2026-05-04T10:00:00-04:00", "2026-06-29T10:00:00-04:00")


def test_two_doses_before_only_the_final_dose_remains():
    (dose,) = activities("hbv-vaccine-dose", hbv_vaccine_doses=2)
    assert dose.title == "Hepatitis B vaccine, dose 3 of 3"
    assert "8 weeks after dose 2" in dose.rationale


@pytest.mark.parametrize(
    "changes",
    [{"hbv_immune": True}, {"hbv_vaccine_doses": 3}, {"hbv_vaccine_doses": 3, "hbv_immune": False}],
)
def test_no_hbv_dose_for_immune_or_fully_vaccinated_people(changes):
    assert activities("hbv-vaccine-dose", **changes) == []


def test_hbv_doses_count_from_when_the_earlier_dose_was_given():
    given = datetime.fromisoformat("2026-03-20T09:30:00-04:00")
    result = plan(PROTOCOL, facts(), done={"hbv-series-1": given})
    doses = [d for d in result.activities if d.code == "hbv-vaccine-dose"]
    assert [d.id for d in doses] == ["hbv-series-2", "hbv-series-3"]
    assert doses[0].earliest.isoformat() == "2026-04-20T09:30:00-04:00"


def test_hbv_minimum_intervals_move_the_final_dose_after_a_late_second_dose():
    first = datetime.fromisoformat("2026-03-09T10:00:00-04:00")
    second = datetime.fromisoformat("2026-06-25T10:00:00-04:00")  # late: 3.5 months after
    result = plan(PROTOCOL, facts(), done={"hbv-series-1": first, "hbv-series-2": second})
    (final,) = [d for d in result.activities if d.code == "hbv-vaccine-dose"]
    # 4 months after dose 1 would be 9 July; 8 weeks after dose 2 is 20 August.
    assert final.earliest.isoformat() == "2026-08-20T10:00:00-04:00"
    assert final.earliest <= final.due <= final.latest


# --- HPV vaccine --------------------------------------------------------------------------


def hpv(**changes: object) -> list[str]:
    return [d.title for d in activities("hpv-vaccine-dose", **changes)]


@pytest.mark.parametrize(
    ("changes", "titles"),
    [
        ({"age_years": 9}, ["HPV vaccine, dose 1 of 2", "HPV vaccine, dose 2 of 2"]),
        ({"age_years": 14}, ["HPV vaccine, dose 1 of 2", "HPV vaccine, dose 2 of 2"]),
        ({"age_years": 15}, [f"HPV vaccine, dose {n} of 3" for n in (1, 2, 3)]),
        ({"age_years": 26}, [f"HPV vaccine, dose {n} of 3" for n in (1, 2, 3)]),
        (
            {"age_years": 12, "hiv_status": "positive"},
            [f"HPV vaccine, dose {n} of 3" for n in (1, 2, 3)],
        ),
        ({"age_years": 8}, []),
        ({"age_years": 13, "hpv_vaccine_doses": 1}, ["HPV vaccine, dose 2 of 2"]),
        ({"age_years": 13, "hpv_vaccine_doses": 2}, []),
        (
            {"age_years": 13, "hpv_vaccine_doses": 2, "hiv_status": "positive"},
            ["HPV vaccine, dose 3 of 3"],
        ),
        (
            {"age_years": 20, "hpv_vaccine_doses": 1},
            ["HPV vaccine, dose 2 of 3", "HPV vaccine, dose 3 of 3"],
        ),
        ({"age_years": 20, "hpv_vaccine_doses": 2}, ["HPV vaccine, dose 3 of 3"]),
        ({"age_years": 20, "hpv_vaccine_doses": 3}, []),
        ({"age_years": 46}, []),
    ],
)
def test_hpv_doses_by_age_at_the_first_dose_and_hiv(changes, titles):
    assert hpv(**changes) == titles


def test_minor_two_dose_series_dates():
    doses = activities("hpv-vaccine-dose", age_years=13)
    assert [window(d)[::2] for d in doses] == [
        (NOW, "2026-03-23T10:00:00-04:00"),
        ("2026-09-09T10:00:00-04:00", "2027-03-09T10:00:00-04:00"),  # 6 to 12 months
    ]


def test_three_dose_series_dates():
    doses = activities("hpv-vaccine-dose", age_years=19)
    assert [d.earliest.isoformat() for d in doses] == [
        NOW,
        "2026-04-09T10:00:00-04:00",  # 1-2 months
        "2026-09-09T10:00:00-04:00",  # 6 months
    ]


@pytest.mark.parametrize("age", [27, 45])
def test_hpv_at_27_to_45_is_offered_not_scheduled(age):
    (offer,) = activities("hpv-vaccine-dose", age_years=age)
    assert offer.offer
    assert "shared decision" in offer.title
    assert offer.source == "lp-hpv-shared"


@pytest.mark.parametrize("age", [13, 20, 30])
def test_no_hpv_vaccine_in_pregnancy(age):
    assert hpv(age_years=age, pregnant=True) == []
    assert hpv(age_years=age, pregnant=None) != []  # no pregnancy test needed first


# --- Mental health, annual care, chronic medication ---------------------------------------


def test_positive_asq_means_a_safety_assessment_the_same_day():
    (check,) = activities("mental-health-rescreen", positive_screens=["asq"])
    assert check.urgent
    assert window(check) == (NOW, NOW, "2026-03-09T23:59:59-04:00")
    assert check.source == "j1"


@pytest.mark.parametrize("screen", ["phq9", "phq2", "gad7", "gad2", "pcptsd5"])
def test_other_positive_screens_are_repeated_14_to_31_days_later(screen):
    (rescreen,) = activities("mental-health-rescreen", positive_screens=[screen])
    assert not rescreen.urgent
    assert window(rescreen)[::2] == ("2026-03-23T10:00:00-04:00", "2026-04-09T10:00:00-04:00")


def test_asq_and_another_positive_screen_give_both():
    found = ids("mental-health-rescreen", positive_screens=["phq9", "asq"])
    assert found == ["suicide-safety-assessment", "mental-health-rescreen"]


def test_no_rescreen_without_a_positive_screen():
    assert activities("mental-health-rescreen") == []


@pytest.mark.parametrize(
    "changes", [{}, {"sex_at_birth": "male"}, {"age_years": 6}, {"hiv_status": "positive"}]
)
def test_annual_physical_for_everyone_within_a_year(changes):
    physical = only("annual-physical", **changes)
    assert physical.due.isoformat() == physical.latest.isoformat() == "2027-03-09T10:00:00-04:00"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, ["annual-gyn-exam"]),
        ({"age_years": 18}, ["annual-gyn-exam"]),
        ({"age_years": 17}, []),
        ({"sex_at_birth": "male"}, []),
    ],
)
def test_annual_gyn_exam_for_adults_female_at_birth(changes, expected):
    assert ids("annual-gyn-exam", **changes) == expected


def test_chronic_medication_review_within_31_days():
    review = only("chronic-medication-review", chronic_conditions=["diabetes"])
    assert review.latest.isoformat() == "2026-04-09T10:00:00-04:00"
    assert activities("chronic-medication-review") == []


# --- Dates, offsets and daylight saving ---------------------------------------------------


def test_exposure_given_before_the_dst_change_counts_elapsed_hours():
    # 22:00 EST on 7 March is 35 hours before 10:00 EDT on 9 March, not 36.
    result = plan_for(exposure_at=datetime.fromisoformat("2026-03-07T22:00:00-05:00"))
    (npep,) = [a for a in result.activities if a.code == "hiv-npep"]
    assert npep.latest.isoformat() == "2026-03-10T23:00:00-04:00"


def test_time_zone_aware_facts_give_the_same_instants_in_the_assessment_offset():
    clinic = ZoneInfo("America/New_York")
    zoned = Facts(
        **{
            **BASE,
            "assessed_at": datetime(2026, 3, 9, 10, 0, tzinfo=clinic),
            "exposure_at": datetime(2026, 3, 7, 22, 0, tzinfo=clinic),
        }
    )
    npep = next(a for a in plan(PROTOCOL, zoned).activities if a.code == "hiv-npep")
    assert npep.latest.isoformat() == "2026-03-10T23:00:00-04:00"


def test_fall_back_keeps_the_120_hours_exact():
    result = plan_for(
        assessed_at=datetime.fromisoformat("2026-11-02T10:00:00-05:00"),
        exposure_at=datetime.fromisoformat("2026-10-31T22:00:00-04:00"),
    )
    ec = next(a for a in result.activities if a.code == "emergency-contraception")
    assert ec.latest.isoformat() == "2026-11-05T21:00:00-05:00"


def test_every_date_carries_the_offset_of_the_assessment():
    result = plan_for(
        assessed_at=datetime.fromisoformat("2026-03-09T20:30:00+05:30"),
        exposure_at=datetime.fromisoformat("2026-03-09T01:00:00+00:00"),
    )
    dates = [d for a in result.activities for d in (a.earliest, a.due, a.latest)]
    assert {d.isoformat()[-6:] for d in dates} == {"+05:30"}


def test_the_plan_records_the_protocol_id_and_version():
    result = plan_for()
    assert (result.protocol.id, result.protocol.version) == ("sa-followup-v1", "1.1.0")
    assert result.as_dict()["protocol"] == "sa-followup-v1"
    assert result.as_dict()["version"] == "1.1.0"


def test_urgent_activities_come_first_soonest_closing_first():
    result = plan_for(exposure_at=hours_before(71), positive_screens=["asq"])
    urgent = [a for a in result.activities if a.urgent]
    assert result.activities[: len(urgent)] == tuple(urgent)
    assert [a.latest for a in urgent] == sorted(a.latest for a in urgent)
    assert urgent[0].code == "hiv-npep"  # one hour left


def test_the_activity_codes_are_exactly_those_of_the_facts_contract():
    assert ACTIVITY_GROUPS == {
        "urgent": ("hiv-npep", "emergency-contraception", "sti-prophylaxis"),
        "follow-up": (
            "npep-adherence-check",
            "followup-exam",
            "hiv-retest",
            "syphilis-retest",
            "pregnancy-test",
        ),
        "vaccines": ("hbv-vaccine-dose", "hpv-vaccine-dose"),
        "ongoing": (
            "mental-health-rescreen",
            "annual-gyn-exam",
            "annual-physical",
            "chronic-medication-review",
        ),
    }
    assert {activity.code for activity in PROTOCOL.activities} == set(ACTIVITY_CODES)
