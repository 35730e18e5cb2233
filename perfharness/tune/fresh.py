"""Tune's confirmation race in fresh processes, as the gate runs its rounds: the default and the
choice alternate, each pair two new processes (``tune.worker``), each timing a few passes after
its warm-up; what a long-lived process carries (allocator state, caches, the other
configurations loaded beside it) cannot favour either side."""

from __future__ import annotations

import dataclasses
import json
import sys

import numpy as np

from perfharness.core.children import ChildError, spawn
from perfharness.run.settings import RunSettings

PAIRS, PASSES = 3, 3  # pairs of processes; timed passes per process (its median counts)
START_ESTIMATE_S = 4.0  # a worker's start: Python, OpenVINO, the clip, compiling the chain
TIMEOUT_S = 300.0


def process_time(settings: RunSettings, passes: int = PASSES) -> float:
    """The median time per frame (seconds) of ``passes`` passes in a new process; ChildError when it fails."""
    command = [sys.executable, "-m", "perfharness.tune.worker", json.dumps(dataclasses.asdict(settings)), str(passes)]
    child = spawn("tune worker", command, protocol=True)
    try:
        reply = child.receive(TIMEOUT_S)
    finally:
        child.close()
    if "times_s" not in reply:
        raise ChildError(f"tune worker: {reply.get('error', reply)}")
    return float(np.median(reply["times_s"]))


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


def reserve_s(pass_s: float) -> float:
    """The time to keep back for the race, given the time of one pass here."""
    return 2 * PAIRS * (START_ESTIMATE_S + (PASSES + 1) * pass_s)
