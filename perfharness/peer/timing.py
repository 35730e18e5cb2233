"""Time per frame of each side over the rounds, and the ratio ours / MediaPipe with its interval."""

from __future__ import annotations

import numpy as np

from perfharness.stats.bootstrap import paired_median_ratio_interval

CONFIDENCE = 0.95


def timing(runs: list[dict[str, np.ndarray]]) -> dict:
    """Per-round per-frame mean, median, p90 and CPU time (ms) and their medians over rounds."""
    mean = [float(run["times_s"].mean() * 1e3) for run in runs]
    median = [float(np.median(run["times_s"]) * 1e3) for run in runs]
    p90 = [float(np.percentile(run["times_s"], 90) * 1e3) for run in runs]
    cpu = [float(run["cpu_s"].mean() * 1e3) for run in runs]
    mean_ms = float(np.median(mean))
    return {"mean_ms": mean_ms, "fps": 1e3 / mean_ms if mean_ms > 0 else None, "median_ms": float(np.median(median)),
            "p90_ms": float(np.median(p90)), "cpu_ms": float(np.median(cpu)),
            "rounds": {"mean_ms": mean, "median_ms": median, "p90_ms": p90, "cpu_ms": cpu}}


def compare_times(ours: dict, peer: dict) -> dict:
    """ours / MediaPipe: the ratio of the medians over rounds with its bootstrap interval (rounds
    resampled as pairs; None with one round), and the median, min and max of per-round ratios."""
    ours_means, peer_means = ours["rounds"]["mean_ms"], peer["rounds"]["mean_ms"]
    paired = [a / b for a, b in zip(ours_means, peer_means)]
    interval = (list(paired_median_ratio_interval(np.array(ours_means), np.array(peer_means), CONFIDENCE))
                if len(paired) > 1 else None)
    return {"ratio": ours["mean_ms"] / peer["mean_ms"], "ratio_interval": interval, "confidence": CONFIDENCE,
            "paired_median": float(np.median(paired)), "paired_min": min(paired), "paired_max": max(paired),
            "paired": paired}
