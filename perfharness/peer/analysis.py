"""One mode's results from both sides' runs: times, agreement, repeatability."""

from __future__ import annotations

import numpy as np

from perfharness.peer.agreement import agreement, repeatability
from perfharness.peer.plan import SIDES
from perfharness.peer.timing import compare_times, timing


def summarise_mode(sides: dict[str, list[dict[str, np.ndarray]]]) -> dict:
    """One mode's results from each side's runs (one per round, in round order): times over all
    rounds, agreement on the first round's outputs, and how much later rounds moved from them."""
    time_stats = {side: timing(sides[side]) for side in SIDES}
    first = sides["ours"][0]
    return {"time": time_stats, "compare": compare_times(time_stats["ours"], time_stats["mediapipe"]),
            "agreement": agreement(first, sides["mediapipe"][0]),
            "ours_detector_ran": int(first["detector_ran"].sum()),
            "ours_first_frame_detected": bool(first["detector_ran"][0]),
            "repeatability": {side: repeatability(sides[side]) for side in SIDES}}
