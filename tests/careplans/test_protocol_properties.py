"""Properties of every plan ``sa-followup-v1`` makes, for any valid facts (hypothesis).

* Every window is ordered (earliest <= due <= latest), starts no earlier than the
  assessment and is given in the assessment's UTC offset; codes and sources are known.
* People a rule excludes never get its activities (people living with HIV, nPEP already
  started, men for contraception and gynecology, pregnancy for HPV and EC, ...).
* An unknown exposure time never drops nPEP or emergency contraception for those who need it.
* Planning is deterministic: the same facts, in any list order, through JSON and back, or
  with a freshly loaded copy of the protocol, give the same plan.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from lantern.careplans.protocols import (
    ACTIVITY_CODES,
    DATA_DIR,
    SCREENS,
    Facts,
    load_protocol_file,
    parse_facts,
    plan,
)
from lantern.careplans.protocols.facts import SEXES
from tests.careplans.builders import PROTOCOL

CONDITIONS = ("diabetes", "hypertension", "asthma", "epilepsy")
PROPERTY_SETTINGS = settings(max_examples=300, deadline=None)


@st.composite
def valid_facts(draw: st.DrawFn) -> Facts:
    zone = timezone(timedelta(minutes=15 * draw(st.integers(-48, 56))))
    assessed = draw(
        st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2032, 12, 31))
    ).replace(tzinfo=zone)
    exposure = None
    if draw(st.booleans()):
        exposure = assessed - timedelta(minutes=draw(st.integers(0, 60 * 24 * 400)))
        exposure = exposure.astimezone(timezone(timedelta(hours=draw(st.integers(-11, 12)))))
    started = None
    if draw(st.booleans()):
        since = exposure or assessed - timedelta(days=10)
        started = since + (assessed - since) * draw(st.floats(0, 1))
        started = min(max(started, since), assessed)
    sex = draw(st.sampled_from(SEXES))
    pregnancy = [False, None] if sex == "male" else [True, False, None]
    return Facts(
        assessed_at=assessed,
        exposure_at=exposure,
        exposure_approximate=exposure is not None and draw(st.booleans()),
        age_years=draw(st.integers(0, 90)),
        sex_at_birth=sex,
        pregnant=draw(st.sampled_from(pregnancy)),
        hiv_status=draw(st.sampled_from(["negative", "positive", "unknown"])),
        hiv_test_generation=draw(st.sampled_from([3, 4, None])),
        npep_started_at=started,
        ec_given=draw(st.booleans()),
        prophylaxis_given=draw(st.booleans()),
        hbv_immune=draw(st.sampled_from([True, False, None])),
        hbv_vaccine_doses=draw(st.integers(0, 4)),
        hpv_vaccine_doses=draw(st.integers(0, 4)),
        chronic_conditions=tuple(draw(st.lists(st.sampled_from(CONDITIONS), max_size=3))),
        positive_screens=tuple(draw(st.lists(st.sampled_from(SCREENS), max_size=4))),
    )


@PROPERTY_SETTINGS
@given(valid_facts())
def test_every_window_is_ordered_and_in_the_assessment_offset(facts):
    result = plan(PROTOCOL, facts)
    offset = facts.assessed_at.utcoffset()
    assert result.activities, "everyone gets at least the annual physical"
    for activity in result.activities:
        assert facts.assessed_at <= activity.earliest <= activity.due <= activity.latest
        assert {d.utcoffset() for d in (activity.earliest, activity.due, activity.latest)} == {
            offset
        }
        assert activity.code in ACTIVITY_CODES
        assert activity.source in PROTOCOL.sources_by_id
        assert activity.rationale
        assert activity.title


@PROPERTY_SETTINGS
@given(valid_facts())
def test_no_activity_for_people_a_rule_excludes(facts):
    codes = set(plan(PROTOCOL, facts).codes())
    if facts.hiv_status == "positive":
        assert not codes & {"hiv-npep", "npep-adherence-check", "hiv-retest"}
    if facts.npep_started_at is not None:
        assert "hiv-npep" not in codes
    if facts.sex_at_birth == "male":
        assert not codes & {"emergency-contraception", "pregnancy-test", "annual-gyn-exam"}
    if facts.pregnant:
        assert not codes & {"emergency-contraception", "pregnancy-test", "hpv-vaccine-dose"}
    if facts.ec_given:
        assert "emergency-contraception" not in codes
    if facts.prophylaxis_given:
        assert "sti-prophylaxis" not in codes
    if facts.hbv_immune or facts.hbv_vaccine_doses >= 3:
        assert "hbv-vaccine-dose" not in codes
    if not 9 <= facts.age_years <= 45:
        assert "hpv-vaccine-dose" not in codes
    if facts.age_years < 18 or facts.sex_at_birth != "female":
        assert "annual-gyn-exam" not in codes
    if not facts.chronic_conditions:
        assert "chronic-medication-review" not in codes
    if not facts.positive_screens:
        assert "mental-health-rescreen" not in codes


@PROPERTY_SETTINGS
@given(valid_facts().filter(lambda facts: facts.exposure_at is None))
def test_unknown_exposure_never_drops_the_urgent_windows(facts):
    result = plan(PROTOCOL, facts)
    by_code = {a.code: a for a in result.activities if a.urgent}
    needs_npep = facts.hiv_status != "positive" and facts.npep_started_at is None
    needs_ec = facts.sex_at_birth != "male" and not facts.pregnant and not facts.ec_given
    assert ("hiv-npep" in by_code) == needs_npep
    assert ("emergency-contraception" in by_code) == needs_ec
    for code in ("hiv-npep", "emergency-contraception"):
        if code in by_code:
            assert by_code[code].due == facts.assessed_at  # decide now
            assert "exposure time is unknown" in by_code[code].rationale
    # Counted from the assessment, no window that counts from the exposure has closed.
    assert all(
        PROTOCOL.activities_by_id[window.id].anchor.event != "exposure" for window in result.closed
    )


@PROPERTY_SETTINGS
@given(valid_facts(), st.randoms(use_true_random=False))
def test_planning_is_deterministic(facts, rng: random.Random):
    first = plan(PROTOCOL, facts)
    assert plan(PROTOCOL, facts) == first
    shuffled = facts.as_dict()
    for name in ("chronic_conditions", "positive_screens"):
        rng.shuffle(shuffled[name])
    again = plan(PROTOCOL, parse_facts(json.loads(json.dumps(shuffled))))
    assert again.as_dict() == first.as_dict()


def test_a_freshly_loaded_copy_plans_the_same():
    fresh = load_protocol_file(DATA_DIR / "sa-followup-v1.json")
    assert fresh is not PROTOCOL

    @settings(max_examples=100, deadline=None)
    @given(valid_facts())
    def check(facts):
        assert plan(fresh, facts) == plan(PROTOCOL, facts)

    check()
