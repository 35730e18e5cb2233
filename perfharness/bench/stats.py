"""Statistics of the gate: a bootstrap interval for a ratio of medians, the Mann-Whitney U test.

Both are distribution-free: round times are skewed and carry outliers, so nothing here assumes
normality. Everything is deterministic: the bootstrap uses a fixed seed.
"""

from __future__ import annotations

import math

import numpy as np

DRAWS = 10_000
SEED = 20_240_605
EXACT_MAX_PAIRS = 2_500


def relative_iqr(sample: np.ndarray) -> float:
    """Interquartile range divided by the median (0.2 = the middle half spans 20 % of the median)."""
    q1, median, q3 = np.percentile(sample, [25, 50, 75])
    return float((q3 - q1) / median)


def bootstrap_medians(sample: np.ndarray, draws: int, rng: np.random.Generator) -> np.ndarray:
    """The medians of ``draws`` bootstrap resamples of ``sample``, without building the resamples.

    A resample's k-th smallest value is the empirical quantile at the k-th smallest of n uniforms,
    which is Beta(k, n - k + 1); the next one up (for the median of an even n) lies a Beta(1, n - k)
    fraction of the remaining way. Same distribution as resampling, O(draws) whatever n is.
    """
    ordered = np.sort(sample)
    n = len(ordered)
    k = (n + 1) // 2
    lower = rng.beta(k, n - k + 1, draws)
    low = ordered[np.minimum((lower * n).astype(int), n - 1)]
    if n % 2:
        return low
    upper = lower + (1 - lower) * rng.beta(1, n - k, draws)
    return (low + ordered[np.minimum((upper * n).astype(int), n - 1)]) / 2


def ratio_interval(baseline: np.ndarray, candidate: np.ndarray, confidence: float,
                   reference: tuple[np.ndarray, np.ndarray] | None = None,
                   draws: int = DRAWS, seed: int = SEED) -> tuple[float, float]:
    """Percentile bootstrap interval of median(candidate) / median(baseline).

    With ``reference`` (its baseline and candidate rounds), the interval is of that ratio divided
    by the reference's own ratio, so the reference's uncertainty is part of the interval.
    """
    rng = np.random.default_rng(seed)
    ratios = bootstrap_medians(candidate, draws, rng) / bootstrap_medians(baseline, draws, rng)
    if reference is not None:
        ratios /= bootstrap_medians(reference[1], draws, rng) / bootstrap_medians(reference[0], draws, rng)
    alpha = 1 - confidence
    low, high = np.quantile(ratios, [alpha / 2, 1 - alpha / 2])
    return float(low), float(high)


def mann_whitney_p(x: np.ndarray, y: np.ndarray) -> float:
    """Two-sided p-value of the Mann-Whitney U test that ``x`` and ``y`` come from one distribution.

    Exact when there are no ties and at most EXACT_MAX_PAIRS pairs; otherwise the normal
    approximation with tie and continuity corrections (both as ``scipy.stats.mannwhitneyu``).
    """
    n1, n2 = len(x), len(y)
    values, inverse, counts = np.unique(np.concatenate([x, y]), return_inverse=True, return_counts=True)
    ranks = (np.cumsum(counts) - (counts - 1) / 2)[inverse]
    u1 = float(ranks[:n1].sum()) - n1 * (n1 + 1) / 2
    u = max(u1, n1 * n2 - u1)
    if n1 * n2 <= EXACT_MAX_PAIRS and len(values) == n1 + n2:
        return min(1.0, 2 * float(_exact_distribution(n1, n2)[math.ceil(u):].sum()))
    n = n1 + n2
    ties = float(np.sum(counts.astype(float) ** 3 - counts))
    variance = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1)))
    if variance <= 0:
        return 1.0
    z = (u - n1 * n2 / 2 - 0.5) / math.sqrt(variance)
    return min(1.0, math.erfc(z / math.sqrt(2)))


def _exact_distribution(n1: int, n2: int) -> np.ndarray:
    """P(U = u) for u = 0 .. n1*n2 under the null hypothesis (no ties).

    The largest of the n1 + n2 values is an x with probability n1 / (n1 + n2), and then beats all
    n2 y's: P[i, j](u) = i/(i+j) P[i-1, j](u - j) + j/(i+j) P[i, j-1](u).
    """
    previous = [np.ones(1) for _ in range(n2 + 1)]  # row i - 1 = 0: U is always 0
    for i in range(1, n1 + 1):
        row = [np.ones(1)]  # j = 0: U is always 0
        for j in range(1, n2 + 1):
            p = np.zeros(i * j + 1)
            p[j:j + len(previous[j])] += i / (i + j) * previous[j]
            p[:len(row[j - 1])] += j / (i + j) * row[j - 1]
            row.append(p)
        previous = row
    return previous[n2]
