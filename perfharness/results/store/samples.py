"""A result's samples in the store: float64 values, little-endian, zlib-compressed (lossless:
the rounds come back bit for bit), and the summary statistics of a sample."""

from __future__ import annotations

import zlib

import numpy as np

from perfharness.stats.bootstrap import location


def pack(values: np.ndarray) -> bytes:
    """The compressed form of ``values``."""
    return zlib.compress(np.asarray(values, dtype="<f8").tobytes(), 6)


def unpack(blob: bytes) -> np.ndarray:
    """The values ``pack`` compressed."""
    return np.frombuffer(zlib.decompress(blob), dtype="<f8").copy()


def summary(values: np.ndarray) -> dict[str, float | int]:
    """count, mean, stdev (sample), min, p10 (the gate's location), median, p90, max."""
    values = np.asarray(values, dtype=float)
    return {
        "count": int(values.size),
        "mean": float(values.mean()),
        "stdev": float(values.std(ddof=1)) if values.size > 1 else 0.0,
        "min": float(values.min()),
        "p10": location(values),
        "median": float(np.median(values)),
        "p90": location(values, 0.90),
        "max": float(values.max()),
    }
