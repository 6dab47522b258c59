"""Property tests do not depend on the machine's load: the suite's profile has no deadline."""

from __future__ import annotations

import time

import hypothesis
from hypothesis import given
from hypothesis import strategies as st


def test_the_suite_runs_property_tests_under_the_ci_profile_without_a_deadline():
    assert hypothesis.settings.get_profile("ci").deadline is None
    assert hypothesis.settings.default.deadline is None


@hypothesis.settings(max_examples=2, database=None)
@given(st.integers())
def test_an_example_slowed_down_by_a_busy_machine_still_passes(number):
    # Longer than hypothesis's default 200 ms deadline, as one example on a loaded machine.
    time.sleep(0.25)
    assert isinstance(number, int)
