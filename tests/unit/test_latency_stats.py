"""Streaming latency statistics: exact moments, quantiles within their stated error, bounded state."""

from __future__ import annotations

import math

import numpy as np
import pytest

from perfharness.stats.streaming import GROWTH, RegionStats, StreamingStats, format_table


def nearest_rank(values: np.ndarray, q: float) -> float:
    return float(np.sort(values)[max(1, math.ceil(q * len(values))) - 1])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_moments_are_exact_and_quantiles_within_half_a_percent(seed):
    rng = np.random.default_rng(seed)
    values = rng.lognormal(np.log(0.012), 0.4, 20_000)  # frame times around 12 ms with a long tail
    stats = StreamingStats()
    for value in values.tolist():
        stats.add(value)
    summary = stats.summary()
    assert summary["count"] == len(values)
    assert summary["mean"] == pytest.approx(values.mean(), rel=1e-12)
    assert summary["stdev"] == pytest.approx(values.std(ddof=1), rel=1e-9)
    assert (summary["min"], summary["max"]) == (values.min(), values.max())
    bound = math.sqrt(GROWTH) - 1  # half a bucket, in relative terms
    for name, q in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99)):
        exact = nearest_rank(values, q)
        assert abs(summary[name] - exact) / exact <= bound + 1e-12, name


def test_state_does_not_grow_with_the_number_of_values():
    stats = StreamingStats()
    rng = np.random.default_rng(3)
    for value in rng.uniform(0.005, 0.05, 200_000).tolist():
        stats.add(value)
    # 0.005..0.05 s spans a factor of 10: log(10) / log(1.01) = 232 buckets, whatever the count
    assert len(stats._buckets) <= 233


def test_tiny_and_single_values():
    stats = StreamingStats()
    stats.add(0.0)
    assert stats.summary()["p50"] == 0.0 and stats.stdev == 0.0
    stats.add(5e-6)
    assert stats.quantile(1.0) == 5e-6 and stats.quantile(0.5) == 0.0
    with pytest.raises(ValueError):
        StreamingStats().quantile(0.5)


def test_region_stats_keep_first_appearance_order_and_counts():
    regions = RegionStats()
    regions.add({"source.read": 0.001, "frame": 0.010})
    regions.add({"source.read": 0.002, "frame": 0.012, "face_landmarks.infer": 0.004})
    summary = regions.summary()
    assert list(summary) == ["source.read", "frame", "face_landmarks.infer"]
    assert summary["frame"]["count"] == 2 and summary["face_landmarks.infer"]["count"] == 1
    assert summary["frame"]["mean"] == pytest.approx(0.011)
    table = format_table(summary)
    assert "face_landmarks.infer       1      4.00" in table
