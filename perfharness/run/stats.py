"""What a run keeps of each measured frame: statistics in constant memory and a row of ``frames.csv``."""

from __future__ import annotations

from perfharness.results.frames import FrameLog
from perfharness.run.loop import FrameRecord
from perfharness.stats.streaming import RegionStats


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
