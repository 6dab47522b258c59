"""Directory search: each filter, the ranking, open now in the clinic's time zone, scope."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest

from lantern.referrals import schedules, search, taxonomy
from lantern.referrals.models import Language, Schedule
from lantern.referrals.services import service_status_set
from tests.referrals.factories import maintainer, make_service, weekdays

NEED = taxonomy.NEEDS_BY_CODE
CLINIC_TZ = zoneinfo.ZoneInfo("America/New_York")


def names(system, now=None, **query):
    outcome = search.find(system.pk, search.DirectoryQuery(**query), now=now)
    return [summary.service.name for summary in outcome.results]


@pytest.fixture
def directory(system):
    make_service(system, "Night shelter", needs=[NEED["emergency-shelter"].id],
                 terms=[taxonomy.GENDER_WOMEN.id, taxonomy.NO_ID_REQUIRED.id,
                        taxonomy.COST_FREE.id],
                 languages=["es"], minimum_age=18.0, hours=[weekdays("20:00", "08:00", 0b1111111)],
                 areas=["Riverside County"])  # fmt: skip
    make_service(system, "Food bank", needs=[NEED["food"].id], terms=[taxonomy.COST_FREE.id],
                 languages=["en"], hours=[weekdays("09:00", "17:00")], city="Eastside",
                 description="Groceries and a shelter referral desk")  # fmt: skip
    make_service(system, "Teen clinic",
                 needs=[NEED["medical"].id, NEED["sexual-reproductive-health"].id],
                 terms=[taxonomy.MINORS_ACCEPTED.id, taxonomy.LGBTQ_AFFIRMING.id],
                 minimum_age=12.0, maximum_age=19.0, languages=["en", "es"],
                 hours=[weekdays("12:00", "19:00")])  # fmt: skip
    return system


def test_need_filter_and_ranking_by_needs_met(directory):
    assert names(directory, needs=(NEED["food"].id,)) == ["Food bank"]
    both = names(
        directory,
        needs=(NEED["medical"].id, NEED["food"].id, NEED["sexual-reproductive-health"].id),
    )
    assert both == ["Teen clinic", "Food bank"]  # two needs met before one


def test_words_rank_a_name_above_a_description(directory):
    assert names(directory, text="shelter") == ["Night shelter", "Food bank"]
    assert names(directory, text="groceries") == ["Food bank"]
    assert names(directory, text="nothing-like-this") == []


def test_language_matches_other_spellings_of_the_code(directory):
    Language.objects.filter(lantern_code="es").update(code="spa")
    assert names(directory, language="es") == ["Night shelter", "Teen clinic"]
    assert names(directory, language="vi") == []


def test_age_gender_minors_and_documents(directory):
    assert names(directory, age=15) == ["Food bank", "Teen clinic"]
    assert names(directory, age=30) == ["Food bank", "Night shelter"]
    assert names(directory, gender=taxonomy.GENDER_MEN.id) == ["Food bank", "Teen clinic"]
    assert "Night shelter" in names(directory, gender=taxonomy.GENDER_WOMEN.id)
    assert names(directory, flags=(taxonomy.MINORS_ACCEPTED.id,)) == ["Teen clinic"]
    assert names(directory, flags=(taxonomy.NO_ID_REQUIRED.id,)) == ["Night shelter"]
    assert names(directory, free_only=True) == ["Food bank", "Night shelter"]


def test_area_served_and_where_the_service_is(directory):
    assert names(directory, area="riverside county") == ["Night shelter"]
    assert names(directory, area="Eastside") == ["Food bank"]


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    """A moment in the clinic's time zone; day 0 is Monday 2 June 2025."""
    return datetime.datetime(2025, 6, 2 + day, hour, minute, tzinfo=CLINIC_TZ)


def test_open_now_in_the_clinic_time_zone_including_overnight(directory):
    assert names(directory, open_now=True, now=at(0, 13)) == ["Food bank", "Teen clinic"]
    assert names(directory, open_now=True, now=at(0, 23)) == ["Night shelter"]
    assert names(directory, open_now=True, now=at(1, 7, 59)) == ["Night shelter"]  # from Monday
    assert names(directory, open_now=True, now=at(5, 13)) == []  # Saturday
    outcome = search.find(directory.pk, search.DirectoryQuery(), now=at(0, 13))
    assert {s.service.name: s.open_now for s in outcome.results} == {
        "Food bank": True, "Night shelter": False, "Teen clinic": True,
    }  # fmt: skip


def test_a_schedule_with_its_own_utc_offset_is_read_in_that_offset(directory):
    # Opens 09:00-17:00 at UTC+2: 13:00 in New York (UTC-4 in June) is 19:00 there.
    Schedule.objects.filter(service__name="Food bank").update(utc_offset_minutes=120)
    assert "Food bank" not in names(directory, open_now=True, now=at(0, 13))
    assert "Food bank" in names(directory, open_now=True, now=at(0, 9))


def test_schedules_lantern_cannot_read_are_never_open():
    assert schedules.derived({"freq": "MONTHLY", "byday": "1MO", "opens_at": "09:00",
                              "closes_at": "10:00"})["open_days"] == 0  # fmt: skip
    assert (
        schedules.derived({"byday": "MO", "opens_at": "soon", "closes_at": "17:00"})["opens_minute"]
        is None
    )
    around = schedules.derived({"byday": "SU", "opens_at": "00:00", "closes_at": "23:59"})
    assert (around["opens_minute"], around["closes_minute"]) == (0, 1440)


def test_inactive_services_and_other_directories_are_never_offered(directory, personas):
    food = search.find(directory.pk, search.DirectoryQuery(text="food")).results[0].service
    service_status_set(actor=maintainer(directory), service=food, status="inactive")
    assert "Food bank" not in names(directory)
    other = personas.other_clinic.health_system
    make_service(other, "Elsewhere pantry", needs=[NEED["food"].id])
    assert names(directory, needs=(NEED["food"].id,)) == []
    assert search.find(None, search.DirectoryQuery()).results == []


def test_a_search_costs_the_same_queries_for_any_directory_size(
    directory, django_assert_num_queries
):
    query = search.DirectoryQuery(needs=(NEED["food"].id,), language="en", open_now=True)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        search.find(directory.pk, query, now=at(0, 13))
    for n in range(12):
        make_service(directory, f"Pantry {n}", needs=[NEED["food"].id], languages=["en"],
                     hours=[weekdays()], areas=[f"Area {n}"])  # fmt: skip
    with CaptureQueriesContext(connection) as large:
        outcome = search.find(directory.pk, query, now=at(0, 13))
    assert outcome.total == 13
    assert len(large.captured_queries) == len(small.captured_queries)


def test_the_total_counts_every_match_beyond_the_page(directory):
    for n in range(7):
        make_service(directory, f"Pantry {n}", needs=[NEED["food"].id])
    query = search.DirectoryQuery(needs=(NEED["food"].id,))
    outcome = search.find(directory.pk, query, limit=3)
    assert len(outcome.results) == 3
    everything = search.find(directory.pk, query, limit=100).results
    assert outcome.total == len(everything) >= 7
    nothing = search.find(directory.pk, search.DirectoryQuery(text="zzzz-no-such-word"))
    assert (nothing.results, nothing.total) == ([], 0)
