"""Instrument scoring benchmark: scorings per second on one core, per shipped instrument.

Usage (from the repository root)::

    .venv/bin/python bench/scoring_bench.py [--seconds 1.0] [--repeats 5] [--sets 500] [--seed 1]

For each shipped instrument the script draws ``--sets`` complete, valid answer sets the way
a patient fills the form (each question asked is answered with a random option, so display
conditions, flags and every band are exercised), half given as answer codes and half as
score values. It then calls ``score()`` over them in a loop for about ``--seconds``, takes
the best of ``--repeats`` runs (the least disturbed by other work on the machine), and
prints scorings per second and microseconds per scoring against the target of 10,000
scorings per second. The process is pinned to one CPU where the system allows it.

Pure Python: no database, no Django settings, nothing on disk is touched.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lantern.screening.instruments import (
    Instrument,
    all_instruments,
    score,
    visible_items,
)

TARGET_PER_SECOND = 10_000


def answer_set(instrument: Instrument, rng: random.Random, as_values: bool) -> dict[str, object]:
    """One complete answer set, drawn question by question as the form reveals them."""
    codes: dict[str, str] = {}
    while True:
        pending = [
            item
            for item in visible_items(instrument, codes)
            if item.answerable and item.link_id not in codes
        ]
        if not pending:
            break
        item = pending[0]
        codes[item.link_id] = rng.choice(item.options).code
    if not as_values:
        return dict(codes)
    return {link_id: _as_value(instrument, link_id, code) for link_id, code in codes.items()}


def _as_value(instrument: Instrument, link_id: str, code: str) -> object:
    option = instrument.item(link_id).option(code)
    same_score = instrument.item(link_id).options_by_score.get(option.score or 0, ())
    return option.score if option.score is not None and len(same_score) == 1 else code


def best_rate(
    instrument: Instrument, sets: list[dict[str, object]], seconds: float, repeats: int
) -> float:
    """Best scorings per second over ``repeats`` timed runs of about ``seconds`` each."""
    best = 0.0
    for _ in range(repeats):
        done, started = 0, time.perf_counter()
        deadline = started + seconds
        while time.perf_counter() < deadline:
            for answers in sets:
                score(instrument, answers)
            done += len(sets)
        best = max(best, done / (time.perf_counter() - started))
    return best


def pin_to_one_cpu() -> str:
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity on this system)"
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return f"pinned to CPU {cpu}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="length of each timed run")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per instrument")
    parser.add_argument("--sets", type=int, default=500, help="answer sets per instrument")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    print(f"Python {sys.version.split()[0]}, {pin_to_one_cpu()}")
    print(f"{'instrument':<20} {'items':>5} {'scorings/s':>12} {'us/scoring':>11}  target")
    slowest = float("inf")
    for instrument in all_instruments().values():
        rng = random.Random(f"{args.seed}:{instrument.id}")
        sets = [answer_set(instrument, rng, as_values=i % 2 == 1) for i in range(args.sets)]
        rate = best_rate(instrument, sets, args.seconds, args.repeats)
        slowest = min(slowest, rate)
        verdict = "ok" if rate >= TARGET_PER_SECOND else "BELOW TARGET"
        print(
            f"{instrument.id:<20} {len(instrument.items):>5} {rate:>12,.0f} "
            f"{1e6 / rate:>11.1f}  {verdict}"
        )
    print(f"slowest: {slowest:,.0f} scorings/s (target {TARGET_PER_SECOND:,})")
    return 0 if slowest >= TARGET_PER_SECOND else 1


if __name__ == "__main__":
    raise SystemExit(main())
