"""One frame of the controller: pipeline, pointer mapping, mouse, inside a ``frame`` region."""

from __future__ import annotations

import time

import numpy as np

from perfharness.gaze.mouse import Mouse
from perfharness.gaze.pipeline import GazePipeline
from perfharness.gaze.pointer import PointerMapper
from perfharness.gaze.result import FrameResult
from perfharness.instrument import Regions

Processed = tuple[FrameResult, "tuple[int, int] | None"]  # (result, pointer target or None: no move)


class FrameProcessor:
    """Runs frames through the pipeline and moves the pointer when a gaze was found, in frame order.

    ``process`` runs one frame to its end; ``step`` feeds a frame and returns the one before it
    (two frames in flight, see ``GazePipeline.step``), ``flush`` the last one.
    """

    def __init__(self, pipeline: GazePipeline, mapper: PointerMapper, mouse: Mouse) -> None:
        self.pipeline, self.mapper, self.mouse = pipeline, mapper, mouse

    def process(self, frame: np.ndarray, index: int, regions: Regions) -> Processed:
        """(result, pointer target or None); the frame's timings are left in ``regions``."""
        with regions.region("frame"):
            return self._pointer(self.pipeline.process(frame, index, regions), regions)

    def step(self, frame: np.ndarray, index: int, regions: Regions) -> Processed | None:
        """Feed ``frame``; the previous frame's (result, target), None on the first step."""
        with regions.region("frame"):
            done = self.pipeline.step(frame, index, regions)
            return self._pointer(done, regions) if done is not None else None

    def flush(self, regions: Regions) -> Processed | None:
        """The frame still in flight, ended, or None when there is none."""
        if not self.pipeline.in_flight:
            return None
        with regions.region("frame"):
            return self._pointer(self.pipeline.flush(regions), regions)

    def _pointer(self, result: FrameResult, regions: Regions) -> Processed:
        target = None
        if result.gaze_angles is not None:
            with regions.region("pointer.map"):
                target = self.mapper.map(result.gaze_angles, time.perf_counter())
            with regions.region("pointer.move"):
                self.mouse.move(*target)
        return result, target
