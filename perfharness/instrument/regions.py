"""Named regions: every step of a frame is timed and announced to the attached sinks.

A sink (ITT domain, trace writer, ...) receives ``begin(name)``/``end(name)`` pairs, properly
nested. The timings of the current frame are kept by name and handed over with ``take()``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from time import perf_counter
from typing import Protocol


class RegionSink(Protocol):
    def begin(self, name: str) -> None: ...

    def end(self, name: str) -> None: ...


class Regions:
    """Times named regions with ``perf_counter`` and forwards them to sinks."""

    def __init__(self, sinks: Sequence[RegionSink] = ()) -> None:
        self._sinks = tuple(sinks)
        self._timings: dict[str, float] = {}

    @contextmanager
    def region(self, name: str) -> Iterator[None]:
        """Time the enclosed block as ``name`` (durations of a repeated name add up)."""
        for sink in self._sinks:
            sink.begin(name)
        start = perf_counter()
        try:
            yield
        finally:
            elapsed = perf_counter() - start
            self._timings[name] = self._timings.get(name, 0.0) + elapsed
            for sink in reversed(self._sinks):
                sink.end(name)

    def take(self) -> dict[str, float]:
        """The timings (seconds) recorded since the last call, and start afresh."""
        timings, self._timings = self._timings, {}
        return timings


NULL_REGIONS = Regions()


STAGES = ("face_detection", "face_landmarks", "iris_landmarks", "head_pose", "gaze")
PHASES = ("preprocess", "infer", "postprocess")
# The region names of the contract shared with ITT, the trace and frames.csv, in frame order.
REGION_NAMES = ("source.read", "frame", *(f"{stage}.{phase}" for stage in STAGES for phase in PHASES),
                "pointer.map", "pointer.move")
