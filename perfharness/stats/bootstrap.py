"""Statistics of the gate: a bootstrap interval for a ratio of low quantiles, the Mann-Whitney U test.

Both are distribution-free: round times are skewed and carry outliers, so nothing here assumes
normality. Everything is deterministic: the bootstrap uses a fixed seed.

The location compared is the 10th percentile of the rounds (``LOCATION_QUANTILE``), not the
median: on a shared machine other processes only ever add time, in bursts, so the fast end of the
distribution is what the code itself costs. Measured on this project's 2-core VMs over nine
back-to-back runs of the suites, the per-benchmark spread across runs (coefficient of variation)
was 2.5 % for the 10th percentile against 4.3 % for the median.
"""

from __future__ import annotations

import math

import numpy as np

DRAWS = 10_000
SEED = 20_240_605
EXACT_MAX_PAIRS = 2_500
# processes per side below which their spread is too poorly known to stand in for the spread
# between runs: sessions of 2 and 3 pairs called false regressions in 7 of 20 and 2 of 13 A/A
# sessions on a noisy VM, 0 from 5 on (docs/benchmarking.md, 'More pairs per session')
FEW_PROCESSES = 5


def relative_iqr(sample: np.ndarray) -> float:
    """Interquartile range divided by the median (0.2 = the middle half spans 20 % of the median)."""
    q1, median, q3 = np.percentile(sample, [25, 50, 75])
    return float((q3 - q1) / median)


LOCATION_QUANTILE = 0.10


def location(sample: np.ndarray, quantile: float = LOCATION_QUANTILE) -> float:
    """The ``quantile`` of ``sample`` as its k-th smallest value, k = ceil(quantile * n)."""
    return float(np.quantile(sample, quantile, method="inverted_cdf"))


def bootstrap_quantiles(sample: np.ndarray, quantile: float, draws: int, rng: np.random.Generator) -> np.ndarray:
    """``location(resample, quantile)`` of ``draws`` bootstrap resamples, without building them.

    A resample's k-th smallest value is the empirical quantile at the k-th smallest of n uniforms,
    which is Beta(k, n - k + 1). Same distribution as resampling, O(draws) whatever n is.
    """
    ordered = np.sort(sample)
    n = len(ordered)
    k = max(1, math.ceil(quantile * n))
    return ordered[np.minimum((rng.beta(k, n - k + 1, draws) * n).astype(int), n - 1)]


def ratio_interval(baseline: np.ndarray, candidate: np.ndarray, confidence: float,
                   reference: tuple[np.ndarray, np.ndarray] | None = None,
                   draws: int = DRAWS, seed: int = SEED, quantile: float = LOCATION_QUANTILE) -> tuple[float, float]:
    """Percentile bootstrap interval of location(candidate) / location(baseline).

    With ``reference`` (its baseline and candidate rounds), the interval is of that ratio divided
    by the reference's own ratio, so the reference's uncertainty is part of the interval.
    """
    rng = np.random.default_rng(seed)

    def draw(sample: np.ndarray) -> np.ndarray:
        return bootstrap_quantiles(sample, quantile, draws, rng)

    ratios = draw(candidate) / draw(baseline)
    if reference is not None:
        ratios /= draw(reference[1]) / draw(reference[0])
    alpha = 1 - confidence
    low, high = np.quantile(ratios, [alpha / 2, 1 - alpha / 2])
    return float(low), float(high)


def paired_median_ratio_interval(numerator: np.ndarray, denominator: np.ndarray, confidence: float = 0.95,
                                 draws: int = DRAWS, seed: int = SEED) -> tuple[float, float]:
    """Percentile bootstrap interval of median(numerator) / median(denominator), the pairs
    (numerator[i], denominator[i]) resampled together: each pair is one unit (a round in which
    both sides ran back to back), so drift that moves a whole round stays paired. Needs two pairs
    or more (one pair's interval would be a point)."""
    numerator, denominator = np.asarray(numerator, np.float64), np.asarray(denominator, np.float64)
    if numerator.shape != denominator.shape or numerator.ndim != 1 or len(numerator) < 2:
        raise ValueError(f"expected two equal-length series of 2 or more pairs, got {numerator.shape} and "
                         f"{denominator.shape}")
    picks = np.random.default_rng(seed).integers(0, len(numerator), (draws, len(numerator)))
    ratios = np.median(numerator[picks], axis=1) / np.median(denominator[picks], axis=1)
    alpha = 1 - confidence
    low, high = np.quantile(ratios, [alpha / 2, 1 - alpha / 2])
    return float(low), float(high)


def median_upper_bound(sample: np.ndarray, confidence: float = 0.9, draws: int = DRAWS, seed: int = SEED) -> float:
    """The upper end of a one-sided percentile bootstrap interval of ``sample``'s median: with
    ``confidence``, the median is below it (per-pair ratios below 1.0: the challenger is faster)."""
    medians = bootstrap_quantiles(np.asarray(sample, np.float64), 0.5, draws, np.random.default_rng(seed))
    return float(np.quantile(medians, confidence))


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


# -- several processes per run, several runs per side ----------------------------------------------------------------
#
# A side is a list of runs, a run a list of processes, a process its array of round times. Its
# location is the mean over runs of the mean over processes of each process's p10: every process
# counts alike, and a slow burst inside one process moves only that process's p10. The
# hierarchical bootstrap resamples runs, then processes within each drawn run, then rounds within
# each drawn process (that process's p10 drawn from its order statistics, as above), so the spread
# between runs and between processes is part of the interval.

Side = list[list[np.ndarray]]


def side_location(side: Side, quantile: float = LOCATION_QUANTILE, reference: Side | None = None) -> float:
    """Mean over runs of the mean over processes of p10 (each divided by the same process's
    reference p10 when ``reference``, with the same shape, is given)."""
    values = []
    for r, run in enumerate(side):
        per_process = [location(rounds, quantile) / (location(reference[r][p], quantile) if reference else 1.0)
                       for p, rounds in enumerate(run)]
        values.append(float(np.mean(per_process)))
    return float(np.mean(values))


def run_locations(side: Side, quantile: float = LOCATION_QUANTILE, reference: Side | None = None) -> np.ndarray:
    """Each run's location (mean over its processes of p10, normalised like ``side_location``)."""
    return np.asarray([side_location([run], quantile, [reference[r]] if reference else None)
                       for r, run in enumerate(side)])


def hierarchical_draws(side: Side, draws: int, rng: np.random.Generator, quantile: float = LOCATION_QUANTILE,
                       reference: Side | None = None) -> np.ndarray:
    """``side_location`` of ``draws`` hierarchical resamples (runs, then processes, then rounds),
    their spread around the side's location widened by sqrt(R / (R - 1)) for R runs: the plain
    bootstrap of a few runs understates the variance of their mean by that factor."""
    runs = len(side)
    widest = max(len(run) for run in side)
    packed = _packed(side, widest)
    packed_reference = _packed(reference, widest) if reference else None
    counts = np.asarray([len(run) for run in side])
    run_pick = rng.integers(0, runs, (draws, runs))  # runs with replacement
    process_pick = (rng.random((draws, runs, widest)) * counts[run_pick][..., None]).astype(int)
    valid = np.arange(widest)[None, None, :] < counts[run_pick][..., None]
    slots = run_pick[..., None] * widest + process_pick  # index of the drawn process

    def drawn_p10(values: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        n = lengths[slots]
        k = np.maximum(1, np.ceil(quantile * n)).astype(int)
        index = np.minimum((rng.beta(k, n - k + 1) * n).astype(int), n - 1)
        return values[starts[slots] + index]

    values = drawn_p10(*packed)
    if packed_reference:
        values = values / drawn_p10(*packed_reference)
    per_run = np.where(valid, values, 0.0).sum(axis=2) / valid.sum(axis=2)
    means = per_run.mean(axis=1)
    if runs > 1:  # resampling R runs spreads their mean by only (R - 1) / R of its variance: undo that
        centre = side_location(side, quantile, reference)
        means = centre + (means - centre) * math.sqrt(runs / (runs - 1))
    return means


def _packed(side: Side, widest: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every process's sorted rounds back to back, runs padded to ``widest`` processes (a pad is
    one value of 1, never drawn): (values, start of each, length of each)."""
    arrays = [np.sort(run[p]) if p < len(run) else np.ones(1) for run in side for p in range(widest)]
    lengths = np.asarray([len(a) for a in arrays])
    return np.concatenate(arrays), np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths


def noise_note(baseline_runs: int, candidate_runs: int, processes: int = 1) -> str:
    """What the spread between runs is known from, when it is not from several runs of both
    sides (``processes``: the fewest processes of a run)."""
    if baseline_runs == candidate_runs == 1:
        if processes >= FEW_PROCESSES:
            return ("one run per side: between-run noise cannot be estimated; the spread between its processes "
                    "stands in for it")
        if processes > 1:
            return (f"one run per side: between-run noise cannot be estimated; the spread between its {processes} "
                    f"processes stands in for it, too few to show it (on a noisy machine expect false "
                    f"regressions; run {FEW_PROCESSES} or more)")
        return "one run per side: between-run noise cannot be estimated, the verdict rests on noise within the runs"
    if min(baseline_runs, candidate_runs) == 1:
        side = "baseline" if baseline_runs > 1 else "candidate"
        return f"between-run noise learned from the {max(baseline_runs, candidate_runs)} {side} runs"
    return ""


def side_ratio(baseline: Side, candidate: Side, confidence: float, references: tuple[Side, Side] | None = None,
               draws: int = DRAWS, seed: int = SEED,
               quantile: float = LOCATION_QUANTILE) -> tuple[float, float, float, float, str]:
    """(ratio, interval low, high, bootstrap p, note) of the candidate/baseline location.

    When one side has a single run and the other several, the single run's draws are scaled by
    the other side's run-to-run spread (a random run's location over their mean): the noise floor
    learned from the several runs. With a single run on both sides nothing is known of the spread
    between runs, and the note says so. The p-value is the bootstrap's two-sided
    2 min(P(ratio <= 1), P(ratio >= 1)).
    """
    rng = np.random.default_rng(seed)
    ref_base, ref_cand = references or (None, None)
    base = hierarchical_draws(baseline, draws, rng, quantile, ref_base)
    cand = hierarchical_draws(candidate, draws, rng, quantile, ref_cand)
    note = noise_note(len(baseline), len(candidate), min(len(run) for run in baseline + candidate))
    if len(baseline) != len(candidate) and min(len(baseline), len(candidate)) == 1:
        several, several_refs = (baseline, ref_base) if len(baseline) > 1 else (candidate, ref_cand)
        floor = run_locations(several, quantile, several_refs)
        factor = floor[rng.integers(0, len(floor), draws)] / floor.mean()
        if len(candidate) == 1:
            cand = cand * factor
        else:
            base = base * factor
    ratios = cand / base
    ratio = side_location(candidate, quantile, ref_cand) / side_location(baseline, quantile, ref_base)
    alpha = 1 - confidence
    low, high = np.quantile(ratios, [alpha / 2, 1 - alpha / 2])
    p_value = min(1.0, 2 * min(float(np.mean(ratios <= 1)), float(np.mean(ratios >= 1))))
    return ratio, float(low), float(high), max(p_value, 1 / draws), note
