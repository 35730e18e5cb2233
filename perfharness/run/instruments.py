"""What a run records besides its frames: ITT regions, the trace, resource samples, and what it
keeps of each measured frame (statistics in constant memory, a row of ``frames.csv``)."""

from __future__ import annotations

from pathlib import Path

from perfharness.instrument.capture import TraceCapture
from perfharness.instrument.itt import IttSink
from perfharness.instrument.resources import ResourceSampler
from perfharness.instrument.trace import TraceSummary
from perfharness.results.frames import FrameLog
from perfharness.run.loop import FrameRecord
from perfharness.stats.streaming import RegionStats


class Instruments:
    """The ITT sink, trace capture and resource sampler of one run, each optional."""

    def __init__(self, itt: bool, trace: Path | None, resources: Path | None,
                 resources_interval_s: float = 0.1) -> None:
        self.itt = IttSink() if itt else None
        self.trace = TraceCapture(trace, itt) if trace else None
        self.sampler = ResourceSampler(resources, resources_interval_s) if resources else None
        self.sinks = (self.trace.sinks if self.trace else []) + ([self.itt] if self.itt else [])

    def start(self) -> None:
        """Start sampling resources."""
        if self.sampler:
            self.sampler.start()

    def stop_sampling(self) -> None:
        """Stop sampling (the CSV is complete when this returns)."""
        if self.sampler:
            self.sampler.stop()

    def write_trace(self, complete: bool, metadata: dict) -> TraceSummary | None:
        """Write trace.json (when recording one) from its log."""
        return self.trace.write(complete, metadata) if self.trace else None


class FrameStats:
    """What a run keeps of its measured frames: region statistics, counts, and a frames.csv row
    each (when a FrameLog is given). Warm-up frames are left out."""

    def __init__(self, variant: str = "", frame_log: FrameLog | None = None) -> None:
        self.variant, self.frame_log = variant, frame_log
        self.regions = RegionStats()
        self.frames = self.faces = self.moves = 0

    def add(self, record: FrameRecord) -> None:
        if record.warmup:
            return
        self.frames += 1
        self.faces += record.result.face_found
        self.moves += record.target is not None
        self.regions.add(record.timings)
        if self.frame_log:
            self.frame_log.write(self.variant, record.t, record.result, record.target, record.timings)

    @property
    def detection_rate(self) -> float:
        return self.faces / self.frames if self.frames else 0.0
