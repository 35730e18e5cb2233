"""Named regions: every step of a frame is timed and announced to the attached sinks.

A sink (ITT domain, trace writer, ...) receives ``begin(name)``/``end(name)`` pairs, properly
nested. The timings of the current frame are kept by name and handed over with ``take()``.
"""

from __future__ import annotations

from collections.abc import Sequence
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

    def region(self, name: str) -> _Region:
        """Time the enclosed ``with`` block as ``name`` (durations of a repeated name add up)."""
        return _Region(self, name)

    def take(self) -> dict[str, float]:
        """The timings (seconds) recorded since the last call, and start afresh."""
        timings, self._timings = self._timings, {}
        return timings


class _Region:
    """One ``with regions.region(name)`` block: the sinks' begin, the clock, then the clock, the
    timing added up and the sinks' end (in reverse order), exception or not. A plain class, as
    a block costs a third of a generator-based context manager's time."""

    __slots__ = ("_name", "_regions", "_start")

    def __init__(self, regions: Regions, name: str) -> None:
        self._regions, self._name = regions, name

    def __enter__(self) -> None:
        for sink in self._regions._sinks:
            sink.begin(self._name)
        self._start = perf_counter()

    def __exit__(self, *exc: object) -> None:
        elapsed = perf_counter() - self._start
        regions, name = self._regions, self._name
        regions._timings[name] = regions._timings.get(name, 0.0) + elapsed
        for sink in reversed(regions._sinks):
            sink.end(name)


NULL_REGIONS = Regions()


STAGES = ("face_detection", "face_landmarks", "iris_landmarks", "head_pose", "gaze")
PHASES = ("preprocess", "infer", "postprocess")
# The region names of the contract shared with ITT, the trace and frames.csv, in frame order.
REGION_NAMES = ("source.read", "frame", *(f"{stage}.{phase}" for stage in STAGES for phase in PHASES),
                "pointer.map", "pointer.move")
