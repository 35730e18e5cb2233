"""One frame of the controller: pipeline, pointer mapping, mouse, inside a ``frame`` region."""

from __future__ import annotations

import threading
import time

import numpy as np

from perfharness.gaze.mouse import Mouse
from perfharness.gaze.pipeline import GazePipeline
from perfharness.gaze.pointer import PointerMapper
from perfharness.gaze.result import FrameResult
from perfharness.instrument import Regions


class FrameProcessor:
    """Runs frames through the pipeline and moves the pointer when a gaze was found.

    Processors on several threads may share one mapper and mouse: give them one ``pointer_lock``.
    """

    def __init__(self, pipeline: GazePipeline, mapper: PointerMapper, mouse: Mouse,
                 pointer_lock: threading.Lock | None = None) -> None:
        self.pipeline, self.mapper, self.mouse = pipeline, mapper, mouse
        self._lock = pointer_lock or threading.Lock()

    def process(self, frame: np.ndarray, index: int, regions: Regions) -> tuple[FrameResult, tuple[int, int] | None]:
        """(result, pointer target or None); the frame's timings are left in ``regions``."""
        target = None
        with regions.region("frame"):
            result = self.pipeline.process(frame, index, regions)
            if result.gaze_angles is not None:
                with self._lock:
                    with regions.region("pointer.map"):
                        target = self.mapper.map(result.gaze_angles, time.perf_counter())
                    with regions.region("pointer.move"):
                        self.mouse.move(*target)
        return result, target
