"""The frame loop: read a frame (``source.read``), run it (``frame``), hand it over, repeat.

Warm-up frames run first on the first processor and are handed over marked as warm-up (the
caller leaves them out of its numbers); with ``resume_itt_after_warmup`` ITT collection resumes
once they are done. Then frames are fed as fast as possible or paced at ``pacing_fps`` (a frame
more than one period late is dropped and counted, as a live camera does), one at a time or
``in_flight`` at once on as many threads (each processor with infer requests of its own), and
handed over in input order, on the calling thread, until the input ends, ``frames`` were
measured, ``duration_s`` passed, or the consumer says stop. KeyboardInterrupt (Ctrl-C,
SIGTERM) propagates once the frames in flight are done; ``counts`` holds what ran until then.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from perfharness.frame_loop import FrameProcessor
from perfharness.gaze.result import FrameResult
from perfharness.instrument import RegionSink, Regions, itt


@dataclass(frozen=True)
class LoopPlan:
    frames: int | None = None  # measured frames; None: until the input ends (or the duration)
    duration_s: float | None = None
    warmup_frames: int = 0
    pacing_fps: float | None = None  # None: as fast as possible
    in_flight: int = 1
    resume_itt_after_warmup: bool = False


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


class FrameLoop:
    """Runs frames through ``processors`` under a LoopPlan; see the module docstring."""

    def __init__(self, processors: list[FrameProcessor], plan: LoopPlan, sinks: list[RegionSink],
                 consumer: Consumer, progress: Progress | None = None) -> None:
        if len(processors) != plan.in_flight:
            raise ValueError(f"{plan.in_flight} frames in flight need as many processors, got {len(processors)}")
        self.processors, self.plan, self.consumer, self.progress = processors, plan, consumer, progress
        self._regions = [Regions(sinks) for _ in processors]
        self._reader = Regions(sinks)  # source.read happens on the calling thread
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
        return counts

    def _read(self, frames: Iterator[np.ndarray]) -> tuple[np.ndarray | None, dict[str, float]]:
        with self._reader.region("source.read"):
            frame = next(frames, None)
        return frame, self._reader.take()

    def _warm_up(self, frames: Iterator[np.ndarray]) -> bool:
        counts = self.counts
        counts.t_start = time.perf_counter()
        for _ in range(self.plan.warmup_frames):
            frame, read = self._read(frames)
            if frame is None:
                counts.stopped = "input ended"
                return False
            record = self._process(0, frame, counts.warmup, read)
            record.warmup = True
            counts.warmup += 1
            if not self.consumer(record):
                counts.stopped = "consumer"
                return False
        if self.plan.resume_itt_after_warmup:
            itt.resume()
        counts.t_start = time.perf_counter()
        return True

    def _process(self, slot: int, frame: np.ndarray, index: int, read: dict[str, float]) -> FrameRecord:
        start = time.perf_counter()
        result, target = self.processors[slot].process(frame, index, self._regions[slot])
        return FrameRecord(index, start, result, target, {**read, **self._regions[slot].take()}, frame)

    def _measure(self, frames: Iterator[np.ndarray]) -> str:
        plan, counts = self.plan, self.counts
        period = 1.0 / plan.pacing_fps if plan.pacing_fps else None
        pool = ThreadPoolExecutor(plan.in_flight, thread_name_prefix="frame") if plan.in_flight > 1 else None
        pending: deque[Future] = deque()
        local = threading.local()
        slots = iter(range(plan.in_flight))

        def on_worker(frame: np.ndarray, index: int, read: dict[str, float]) -> FrameRecord:
            if not hasattr(local, "slot"):
                local.slot = next(slots)
            return self._process(local.slot, frame, index, read)

        def hand_over(record: FrameRecord) -> bool:
            counts.measured += 1
            if self.progress:
                self.progress(counts.measured, counts.measured / max(time.perf_counter() - counts.t_start, 1e-9))
            return self.consumer(record)

        stopped = "frames"
        try:
            while plan.frames is None or counts.measured + len(pending) + counts.dropped < plan.frames:
                if plan.duration_s is not None and time.perf_counter() - counts.t_start >= plan.duration_s:
                    stopped = "duration"
                    break
                frame, read = self._read(frames)
                if frame is None:
                    stopped = "input ended"
                    break
                fed = counts.measured + len(pending) + counts.dropped
                index = counts.warmup + fed
                if period is not None:
                    late = time.perf_counter() - (counts.t_start + fed * period)
                    if late > period:
                        counts.dropped += 1
                        continue
                    if late < 0:
                        time.sleep(-late)
                if pool is None:
                    if not hand_over(self._process(0, frame, index, read)):
                        return "consumer"
                    continue
                pending.append(pool.submit(on_worker, frame, index, read))
                if len(pending) >= plan.in_flight and not hand_over(pending.popleft().result()):
                    return "consumer"
            while pending:
                if not hand_over(pending.popleft().result()):
                    return "consumer"
            return stopped
        finally:
            if pool:
                pool.shutdown(wait=True, cancel_futures=True)
