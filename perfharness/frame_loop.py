"""One frame of the controller: pipeline, pointer mapping, mouse, inside a ``frame`` region."""

from __future__ import annotations

import time

import numpy as np

from perfharness.gaze.mouse import Mouse
from perfharness.gaze.pipeline import GazePipeline
from perfharness.gaze.pointer import PointerMapper
from perfharness.gaze.result import FrameResult
from perfharness.instrument import Regions


class FrameProcessor:
    """Runs frames through the pipeline and moves the pointer when a gaze was found."""

    def __init__(self, pipeline: GazePipeline, mapper: PointerMapper, mouse: Mouse) -> None:
        self.pipeline, self.mapper, self.mouse = pipeline, mapper, mouse

    def process(self, frame: np.ndarray, index: int, regions: Regions) -> tuple[FrameResult, tuple[int, int] | None]:
        """(result, pointer target or None); the frame's timings are left in ``regions``."""
        target = None
        with regions.region("frame"):
            result = self.pipeline.process(frame, index, regions)
            if result.gaze_angles is not None:
                with regions.region("pointer.map"):
                    target = self.mapper.map(result.gaze_angles, time.perf_counter())
                with regions.region("pointer.move"):
                    self.mouse.move(*target)
        return result, target
