"""Streaming latency statistics: per-region summaries in constant memory, and their table.

count, mean, stdev (Welford), min and max are exact. Quantiles come from a histogram of
logarithmic buckets each 1 % wide from 1 ns up (kept sparse: 1 us to 1 s spans ~1,400 buckets,
whatever the run's length): a quantile is the nearest-rank sample's bucket, reported as the bucket's geometric
middle and clamped to [min, max], so it is within 0.5 % of the exact nearest-rank quantile.
Seconds in, seconds out; the table prints milliseconds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

GROWTH = 1.01  # each bucket is 1 % wider than the one before
LOWEST = 1e-9  # seconds; smaller values share the first bucket
QUANTILES = {"p50": 0.50, "p90": 0.90, "p99": 0.99}
_LOG_GROWTH = math.log(GROWTH)


class StreamingStats:
    """Summary statistics of a stream of non-negative durations, in constant memory."""

    def __init__(self) -> None:
        self.count = 0
        self.mean = 0.0
        self._m2 = 0.0
        self.min = math.inf
        self.max = -math.inf
        self._buckets: dict[int, int] = {}

    def add(self, value: float) -> None:
        self.count += 1
        delta = value - self.mean
        self.mean += delta / self.count
        self._m2 += delta * (value - self.mean)
        self.min = min(self.min, value)
        self.max = max(self.max, value)
        bucket = int(math.log(value / LOWEST) / _LOG_GROWTH) if value > LOWEST else 0
        self._buckets[bucket] = self._buckets.get(bucket, 0) + 1

    @property
    def stdev(self) -> float:
        """Sample standard deviation (0 for fewer than two values)."""
        return math.sqrt(self._m2 / (self.count - 1)) if self.count > 1 else 0.0

    def quantile(self, q: float) -> float:
        """The nearest-rank ``q`` quantile, within 0.5 % (see the module docstring)."""
        if not self.count:
            raise ValueError("no values")
        rank = max(1, math.ceil(q * self.count))
        if rank >= self.count:
            return self.max
        if rank == 1:
            return self.min
        seen = 0
        for bucket in sorted(self._buckets):
            seen += self._buckets[bucket]
            if seen >= rank:
                middle = LOWEST * GROWTH ** (bucket + 0.5) if bucket else LOWEST
                return min(max(middle, self.min), self.max)
        return self.max

    def summary(self) -> dict[str, float]:
        """count, mean, stdev, min, max, p50, p90, p99 (seconds)."""
        return {"count": self.count, "mean": self.mean, "stdev": self.stdev, "min": self.min, "max": self.max,
                **{name: self.quantile(q) for name, q in QUANTILES.items()}}


class RegionStats:
    """StreamingStats per region name, in order of first appearance."""

    def __init__(self) -> None:
        self._regions: dict[str, StreamingStats] = {}

    def add(self, timings: Mapping[str, float]) -> None:
        """Add one frame's timings (region name -> seconds)."""
        for name, seconds in timings.items():
            stats = self._regions.get(name)
            if stats is None:
                stats = self._regions[name] = StreamingStats()
            stats.add(seconds)

    def summary(self) -> dict[str, dict[str, float]]:
        """Per region name: the StreamingStats summary."""
        return {name: stats.summary() for name, stats in self._regions.items()}


def format_table(summary: Mapping[str, Mapping[str, float]]) -> str:
    """A fixed-width table: region, count, mean, p50, p90 in ms."""
    width = max([len("region")] + [len(name) for name in summary])
    lines = [f"{'region':<{width}}  {'count':>6}  {'mean ms':>8}  {'p50 ms':>8}  {'p90 ms':>8}"]
    for name, row in summary.items():
        lines.append(
            f"{name:<{width}}  {row['count']:>6d}  {row['mean'] * 1e3:>8.2f}  {row['p50'] * 1e3:>8.2f}  {row['p90'] * 1e3:>8.2f}"
        )
    return "\n".join(lines)
