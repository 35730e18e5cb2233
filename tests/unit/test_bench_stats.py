"""The gate's statistics on samples with known answers (no timing involved)."""

from __future__ import annotations

import numpy as np
import pytest

from perfharness.stats.bootstrap import bootstrap_quantiles, location, mann_whitney_p, ratio_interval, relative_iqr


def lognormal(seed: int, n: int, scale: float = 1.0, sigma: float = 0.1) -> np.ndarray:
    return scale * np.random.default_rng(seed).lognormal(0.0, sigma, n)


@pytest.mark.parametrize("n, quantile", [(41, 0.5), (40, 0.5), (40, 0.1), (301, 0.1)])
def test_bootstrap_quantiles_have_the_distribution_of_resampled_quantiles(n, quantile):
    sample = lognormal(1, n)
    draws = 40_000
    fast = bootstrap_quantiles(sample, quantile, draws, np.random.default_rng(2))
    resamples = sample[np.random.default_rng(3).integers(0, n, size=(draws, n))]
    slow = np.quantile(resamples, quantile, axis=1, method="inverted_cdf")
    grid = np.unique(np.concatenate([fast, slow]))
    cdf_fast = np.searchsorted(np.sort(fast), grid, side="right") / draws
    cdf_slow = np.searchsorted(np.sort(slow), grid, side="right") / draws
    assert np.max(np.abs(cdf_fast - cdf_slow)) < 0.015


def test_bootstrap_quantiles_of_one_value():
    assert np.all(bootstrap_quantiles(np.array([2.0]), 0.1, 100, np.random.default_rng(0)) == 2.0)


def test_location_is_the_tenth_percentile_and_ignores_slow_bursts():
    rounds = np.concatenate([np.full(80, 1.0), np.full(20, 3.0)])  # a burst slowed a fifth of the rounds
    assert location(rounds) == 1.0 and location(np.arange(1.0, 11.0)) == 1.0 and location(np.arange(1.0, 12.0)) == 2.0


def test_ratio_interval_is_reproducible_and_contains_the_true_ratio():
    baseline, candidate = lognormal(1, 300), lognormal(2, 300, scale=1.15)
    low, high = ratio_interval(baseline, candidate, 0.95)
    assert (low, high) == ratio_interval(baseline, candidate, 0.95)
    assert low < 1.15 < high and high / low < 1.06
    narrower = ratio_interval(baseline, candidate, 0.5)
    assert low < narrower[0] < narrower[1] < high


def test_ratio_interval_covers_the_true_ratio_about_as_often_as_promised():
    covered = [low <= 1.1 <= high for seed in range(300)
               for low, high in [ratio_interval(lognormal(2 * seed, 60), lognormal(2 * seed + 1, 60, 1.1), 0.9)]]
    assert 0.85 <= np.mean(covered) <= 0.95


def test_ratio_interval_divided_by_the_reference_cancels_a_uniform_drift():
    baseline, reference_baseline = lognormal(1, 200), lognormal(2, 200, 0.3)
    candidate, reference_candidate = lognormal(3, 200, 1.2), lognormal(4, 200, 0.3 * 1.2)
    raw = ratio_interval(baseline, candidate, 0.95)
    low, high = ratio_interval(baseline, candidate, 0.95, (reference_baseline, reference_candidate))
    assert raw[0] > 1.15 and low < 1 < high
    assert high / low > raw[1] / raw[0]  # the reference's own uncertainty widens the interval


def test_mann_whitney_textbook_example():
    # Shier (2004) via scipy's documentation: exact two-sided p = 1/9
    assert mann_whitney_p(np.array([19, 22, 16, 29, 24.0]), np.array([20, 11, 17, 12.0])) == pytest.approx(1 / 9)


def test_mann_whitney_same_distribution_and_shift():
    same = [mann_whitney_p(lognormal(2 * s, 200), lognormal(2 * s + 1, 200)) for s in range(200)]
    assert 0.02 <= np.mean(np.array(same) < 0.05) <= 0.09  # false positives near the nominal 5 %
    assert mann_whitney_p(lognormal(1, 200), lognormal(2, 200, 1.05)) < 1e-3
    assert mann_whitney_p(np.ones(20), np.ones(30)) == 1.0


@pytest.mark.parametrize("n1,n2,ties", [(5, 4, False), (12, 15, False), (50, 50, False), (60, 70, False),
                                        (15, 12, True), (300, 200, True)])
def test_mann_whitney_matches_scipy(n1, n2, ties):
    stats = pytest.importorskip("scipy.stats")
    x, y = lognormal(n1, n1), lognormal(n2 + 1, n2, 1.1)
    if ties:
        x, y = np.round(x, 1), np.round(y, 1)
    method = "exact" if n1 * n2 <= 2500 and not ties else "asymptotic"
    assert mann_whitney_p(x, y) == pytest.approx(stats.mannwhitneyu(x, y, method=method).pvalue, rel=1e-9)


def test_relative_iqr():
    assert relative_iqr(np.arange(101.0)) == pytest.approx(1.0)
    assert relative_iqr(np.full(10, 3.0)) == 0.0
