"""The short 5- or 9-point calibration: show each target, take the median gaze, fit the map.

The UI stays outside: ``show`` draws a target (the CLI uses a fullscreen OpenCV window) and
``sample_gaze`` returns the current gaze angles, or None when no gaze was found.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from perfharness.core.errors import UsageError
from perfharness.gaze.pointer import Calibration, Sample

MAX_TRIES_FACTOR = 3  # give up on a target after this many times samples_per_point calls


def run_calibration(
    targets: Sequence[tuple[int, int]],
    sample_gaze: Callable[[], tuple[float, float] | None],
    show: Callable[[int, tuple[int, int]], None] | None = None,
    *,
    screen_size: tuple[int, int],
    samples_per_point: int = 15,
) -> Calibration:
    """Fit a :class:`Calibration` from the median gaze while each target is shown.

    Each target needs at least half of ``samples_per_point`` gaze samples within
    ``MAX_TRIES_FACTOR * samples_per_point`` calls of ``sample_gaze``; else UsageError.
    """
    if samples_per_point < 1:
        raise UsageError(f"samples per calibration point must be >= 1, got {samples_per_point}")
    needed = max(1, (samples_per_point + 1) // 2)
    samples: list[Sample] = []
    for index, target in enumerate(targets):
        if show is not None:
            show(index, target)
        gaze: list[tuple[float, float]] = []
        for _ in range(MAX_TRIES_FACTOR * samples_per_point):
            if len(gaze) == samples_per_point:
                break
            angles = sample_gaze()
            if angles is not None:
                gaze.append(angles)
        if len(gaze) < needed:
            raise UsageError(
                f"calibration target {index + 1} at {tuple(target)}: gaze found in only {len(gaze)} "
                f"of {MAX_TRIES_FACTOR * samples_per_point} frames (need {needed}); keep your face in view"
            )
        yaw, pitch = np.median(np.asarray(gaze, dtype=np.float64), axis=0)
        samples.append(((float(yaw), float(pitch)), (float(target[0]), float(target[1]))))
    return Calibration.fit(samples, screen_size)
