"""Tune's confirmation race in fresh processes, as the gate runs its rounds: the default and the
choice alternate (3 pairs, more as the time left allows, 10 at most), each pair two new worker
processes (``tune.timing.Contender``), each timing a few passes after its warm-up; what a
long-lived worker carries (allocator state, caches) cannot favour either side."""

from __future__ import annotations

import numpy as np

from perfharness.run.settings import RunSettings
from perfharness.tune.timing import Contender

PAIRS, MAX_PAIRS, PASSES = 3, 10, 3  # pairs of processes (at least, at most); timed passes per process
START_ESTIMATE_S = 4.0  # a worker's start: Python, OpenVINO, the clip, compiling the chain, a first pass


def process_time(settings: RunSettings, passes: int = PASSES) -> float:
    """The median time per frame (seconds) of ``passes`` passes in a new worker; ChildError when it fails."""
    contender = Contender(settings).open()
    try:
        return float(np.median([contender.timed_pass() for _ in range(passes)]))
    finally:
        contender.close()


def fresh_race(default: RunSettings, choice: RunSettings, pairs: int = PAIRS) -> tuple[list[float], list[float]]:
    """``pairs`` pairs of fresh processes, the order alternating; the choice's and the default's
    times per frame (seconds), pair by pair."""
    choice_s, default_s = [], []
    for number in range(pairs):
        if number % 2 == 0:
            default_s.append(process_time(default))
            choice_s.append(process_time(choice))
        else:
            choice_s.append(process_time(choice))
            default_s.append(process_time(default))
    return choice_s, default_s


def pair_cost_s(pass_s: float) -> float:
    """The time a pair of processes takes, given the time of one pass here."""
    return 2 * (START_ESTIMATE_S + (PASSES + 1) * pass_s)


def reserve_s(pass_s: float) -> float:
    """The time to keep back for the race's fewest pairs."""
    return PAIRS * pair_cost_s(pass_s)


def affordable_pairs(seconds: float, pass_s: float) -> int:
    """The pairs that fit in ``seconds``: PAIRS at least, MAX_PAIRS at most."""
    return max(PAIRS, min(MAX_PAIRS, int(seconds // pair_cost_s(pass_s))))
