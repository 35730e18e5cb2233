"""The frame loop: read a frame (``source.read``), run it (``frame``), hand it over, repeat.

Warm-up frames run first and are handed over marked as warm-up (the caller leaves them out of
its numbers); with ``resume_itt_after_warmup`` ITT collection resumes once they are done. Then
frames are fed as fast as possible or paced at ``pacing_fps`` (a frame more than one period late
is dropped and counted, as a live camera does), and handed over in input order until the input
ends, ``frames`` were measured, ``duration_s`` passed, or the consumer says stop.

Everything runs on the calling thread. ``in_flight=1`` runs each frame to its end before the
next is read; ``in_flight=2`` keeps two frames in flight on OpenVINO's async infer requests
(``FrameProcessor.step``): a frame is handed over once the next one has been fed, with the
timings of the step that ended it. KeyboardInterrupt (Ctrl-C, SIGTERM) propagates at once, the
frame in flight dropped; ``counts`` holds what was handed over until then.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from perfharness.gaze.result import FrameResult
from perfharness.instrument import Regions, RegionSink, itt
from perfharness.run.frame import FrameProcessor, Processed


@dataclass(frozen=True)
class LoopPlan:
    frames: int | None = None  # measured frames; None: until the input ends (or the duration)
    duration_s: float | None = None
    warmup_frames: int = 0
    pacing_fps: float | None = None  # None: as fast as possible
    in_flight: int = 1  # IN_FLIGHT: 1 synchronous, 2 pipelined
    resume_itt_after_warmup: bool = False


IN_FLIGHT = (1, 2)


@dataclass
class FrameRecord:
    """One processed frame as handed over: its input index, start time, result, pointer target
    (None: no move), region timings (seconds, ``source.read`` included) and image."""

    index: int
    t: float
    result: FrameResult
    target: tuple[int, int] | None
    timings: dict[str, float]
    image: np.ndarray
    warmup: bool = False


@dataclass
class LoopCounts:
    measured: int = 0
    warmup: int = 0
    dropped: int = 0
    t_start: float = 0.0  # perf_counter seconds when measured frames started (after warm-up)
    t_end: float = 0.0
    stopped: str = ""  # why the loop ended: input ended | frames | duration | consumer | interrupted

    @property
    def wall_s(self) -> float:
        return max(self.t_end - self.t_start, 0.0)

    @property
    def fps(self) -> float:
        return self.measured / self.wall_s if self.wall_s > 0 else 0.0


Consumer = Callable[[FrameRecord], bool]  # False: stop the loop
Progress = Callable[[int, float], None]  # (frames measured, fps so far)


@dataclass
class _Fed:
    """A frame fed to the processor and not yet handed over."""

    index: int
    t: float
    image: np.ndarray
    read: dict[str, float]
    warmup: bool


class FrameLoop:
    """Runs frames through ``processor`` under a LoopPlan; see the module docstring."""

    def __init__(self, processor: FrameProcessor, plan: LoopPlan, sinks: list[RegionSink],
                 consumer: Consumer, progress: Progress | None = None) -> None:
        if plan.in_flight not in IN_FLIGHT:
            raise ValueError(f"in_flight={plan.in_flight}: 1 (synchronous) or 2 (pipelined)")
        self.processor, self.plan, self.consumer, self.progress = processor, plan, consumer, progress
        self._regions = Regions(sinks)
        self._reader = Regions(sinks)  # source.read, kept apart: it belongs to the frame it read
        self._fed: deque[_Fed] = deque()
        self.counts = LoopCounts()

    def run(self, frames: Iterator[np.ndarray]) -> LoopCounts:
        """Run until a stop condition; returns (and keeps in ``counts``) what ran."""
        counts = self.counts
        counts.stopped = "interrupted"
        try:
            if self._warm_up(frames):
                counts.stopped = self._measure(frames)
        finally:
            counts.t_end = time.perf_counter()
            self.processor.pipeline.reset()
        return counts

    def _read(self, frames: Iterator[np.ndarray]) -> tuple[np.ndarray | None, dict[str, float]]:
        with self._reader.region("source.read"):
            frame = next(frames, None)
        return frame, self._reader.take()

    def _feed(self, frame: np.ndarray, index: int, read: dict[str, float], warmup: bool = False) -> FrameRecord | None:
        """Feed one frame; the record of the frame it ended, if any."""
        self._fed.append(_Fed(index, time.perf_counter(), frame, read, warmup))
        if self.plan.in_flight == 1:
            return self._record(self.processor.process(frame, index, self._regions))
        return self._record(self.processor.step(frame, index, self._regions))

    def _drain(self) -> FrameRecord | None:
        """The record of the frame still in flight, ended; None when there is none."""
        return self._record(self.processor.flush(self._regions))

    def _record(self, processed: Processed | None) -> FrameRecord | None:
        if processed is None:
            return None
        fed = self._fed.popleft()
        result, target = processed
        return FrameRecord(fed.index, fed.t, result, target, {**fed.read, **self._regions.take()}, fed.image, fed.warmup)

    def _warm_up(self, frames: Iterator[np.ndarray]) -> bool:
        counts = self.counts
        counts.t_start = time.perf_counter()
        for _ in range(self.plan.warmup_frames):
            frame, read = self._read(frames)
            if frame is None:
                break
            record = self._feed(frame, counts.warmup, read, warmup=True)
            counts.warmup += 1
            if record is not None and not self.consumer(record):
                counts.stopped = "consumer"
                return False
        record = self._drain()
        if record is not None and not self.consumer(record):
            counts.stopped = "consumer"
            return False
        if counts.warmup < self.plan.warmup_frames:
            counts.stopped = "input ended"
            return False
        if self.plan.resume_itt_after_warmup:
            itt.resume()
        counts.t_start = time.perf_counter()
        return True

    def _measure(self, frames: Iterator[np.ndarray]) -> str:
        plan, counts = self.plan, self.counts
        period = 1.0 / plan.pacing_fps if plan.pacing_fps else None

        def hand_over(record: FrameRecord | None) -> bool:
            if record is None:
                return True
            counts.measured += 1
            if self.progress:
                self.progress(counts.measured, counts.measured / max(time.perf_counter() - counts.t_start, 1e-9))
            return self.consumer(record)

        stopped = "frames"
        while plan.frames is None or counts.measured + len(self._fed) + counts.dropped < plan.frames:
            if plan.duration_s is not None and time.perf_counter() - counts.t_start >= plan.duration_s:
                stopped = "duration"
                break
            frame, read = self._read(frames)
            if frame is None:
                stopped = "input ended"
                break
            fed = counts.measured + len(self._fed) + counts.dropped
            index = counts.warmup + fed
            if period is not None:
                late = time.perf_counter() - (counts.t_start + fed * period)
                if late > period:
                    counts.dropped += 1
                    continue
                if late < 0:
                    time.sleep(-late)
            if not hand_over(self._feed(frame, index, read)):
                return "consumer"
        if not hand_over(self._drain()):
            return "consumer"
        return stopped
