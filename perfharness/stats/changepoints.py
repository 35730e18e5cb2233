"""Change points of a history series (one value per commit), with ruptures' PELT.

The series is taken in logarithms (a step is a ratio, whatever the level) and divided by its
noise, estimated robustly from the differences of neighbouring values (MAD / 0.6745 / sqrt 2:
one step moves a single difference, so it barely moves the estimate). PELT then finds the
segmentation minimising the squared error plus ``PENALTY`` x log(n) per change point (a
BIC-like penalty on a unit-variance series), each segment at least ``MIN_SIZE`` long. Every
change point found is tested: the Mann-Whitney p-value of the values of the segments either
side, kept when below ``ALPHA``; its ratio is the median after over the median before.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import ruptures

from perfharness.stats.bootstrap import mann_whitney_p

PENALTY = 4.0  # x log(n) per change point; measured in tools/changepoint_experiment.py (docs/store.md)
MIN_SIZE = 3  # points in a segment
ALPHA = 0.01  # the Mann-Whitney test of the two segments around a change point
MIN_POINTS = 2 * MIN_SIZE
MAD_SCALE = 0.6745


@dataclass(frozen=True)
class ChangePoint:
    """A change at ``index`` (the first value after it), with the segments either side."""

    index: int
    ratio: float  # median after / median before
    p_value: float
    before: int  # values in the segment before
    after: int  # values in the segment after


def noise(log_values: np.ndarray) -> float:
    """The between-point noise (standard deviation) of a log series, robust to steps."""
    differences = np.diff(log_values)
    mad = float(np.median(np.abs(differences - np.median(differences))))
    return mad / MAD_SCALE / math.sqrt(2)


def change_points(values: np.ndarray, penalty: float = PENALTY, alpha: float = ALPHA) -> list[ChangePoint]:
    """The significant change points of ``values`` (positive, in history order)."""
    values = np.asarray(values, dtype=float)
    if values.size < MIN_POINTS or not np.all(values > 0):
        return []
    logs = np.log(values)
    sigma = noise(logs)
    if sigma == 0:  # identical neighbours: any change stands out; keep the scale finite
        sigma = max(float(np.std(logs)), 1e-12) * 1e-3
    standard = (logs - logs.mean()) / sigma
    ends = ruptures.Pelt(model="l2", min_size=MIN_SIZE, jump=1).fit(standard.reshape(-1, 1)).predict(
        pen=penalty * math.log(values.size))
    bounds = [0, *ends]
    found = []
    for k in range(1, len(bounds) - 1):
        before, after = values[bounds[k - 1]:bounds[k]], values[bounds[k]:bounds[k + 1]]
        p_value = mann_whitney_p(before, after)
        if p_value < alpha:
            found.append(ChangePoint(bounds[k], float(np.median(after) / np.median(before)), p_value,
                                     before.size, after.size))
    return found
