"""Latency summaries of per-frame region timings (seconds in, a table in milliseconds out)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np


def summarise(frames: Iterable[Mapping[str, float]]) -> dict[str, dict[str, float]]:
    """Per region name: count, mean, stdev, min, p50, p90, p99 (seconds), in order of first appearance."""
    samples: dict[str, list[float]] = {}
    for timings in frames:
        for name, seconds in timings.items():
            samples.setdefault(name, []).append(seconds)
    return {name: stats(values) for name, values in samples.items()}


def stats(values: list[float]) -> dict[str, float]:
    """count, mean, stdev (sample), min, p50, p90, p99 of durations in seconds."""
    array = np.asarray(values, dtype=float)
    p50, p90, p99 = np.percentile(array, [50, 90, 99])
    return {
        "count": int(array.size),
        "mean": float(array.mean()),
        "stdev": float(array.std(ddof=1)) if array.size > 1 else 0.0,
        "min": float(array.min()),
        "p50": float(p50),
        "p90": float(p90),
        "p99": float(p99),
    }


def format_table(summary: Mapping[str, Mapping[str, float]]) -> str:
    """A fixed-width table: region, count, mean, p50, p90 in ms."""
    width = max([len("region")] + [len(name) for name in summary])
    lines = [f"{'region':<{width}}  {'count':>6}  {'mean ms':>8}  {'p50 ms':>8}  {'p90 ms':>8}"]
    for name, row in summary.items():
        lines.append(
            f"{name:<{width}}  {row['count']:>6d}  {row['mean'] * 1e3:>8.2f}  {row['p50'] * 1e3:>8.2f}  {row['p90'] * 1e3:>8.2f}"
        )
    return "\n".join(lines)
