"""One run session, shared by the controller and the scenario runner.

``ChainPass`` is one pass of the chain over frames: the pipeline built from ``RunSettings``, the
pointer (calibration, mouse), the frame processor and the loop under a ``LoopPlan``; what it
measured (statistics, loop counts, model load times, why the real mouse stopped) stays readable
in ``result`` however the pass ended. ``run_session`` runs a job's measuring part with
interruption as a state of the run and always ends with the job's ``finish``, which writes every
output with signals only noted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np

from perfharness.core import interrupts
from perfharness.core.outputs import OutputError
from perfharness.gaze.mouse import Mouse, make_mouse, screen_size
from perfharness.gaze.pipeline import GazePipeline, LoadTime
from perfharness.gaze.pointer import Calibration, PointerMapper
from perfharness.instrument import RegionSink, itt
from perfharness.run.frame import FrameProcessor
from perfharness.run.loop import Consumer, FrameLoop, FrameRecord, LoopCounts, LoopPlan, Progress
from perfharness.run.settings import RunSettings
from perfharness.run.stats import FrameStats

T = TypeVar("T")
COMPLETED, INTERRUPTED = "completed", "interrupted"  # how a session stopped; else "failed: <error>"


@dataclass
class PassResult:
    """What one pass measured, kept as it goes."""

    stats: FrameStats
    counts: LoopCounts = field(default_factory=LoopCounts)
    load_times: dict[str, LoadTime] = field(default_factory=dict)
    mouse_stopped: str | None = None  # why the real mouse stopped moving (its fail-safe), if it did


class ChainPass:
    """One pass of the chain described by ``settings`` over frames; see the module docstring.

    A context manager: entering it loads the chain and makes the pointer (``mouse``: real, dry,
    off; ``calibration``: a calibration file, None for the default mapping of the screen), leaving it closes the
    mouse and keeps the models' load times. ITT collection is paused until the warm-up frames
    are done when the plan says to resume it then."""

    def __init__(self, settings: RunSettings, plan: LoopPlan, stats: FrameStats, *, mouse: str = "dry",
                 calibration: Path | None = None) -> None:
        self.settings, self.plan, self.mouse_kind, self.calibration = settings, plan, mouse, calibration
        self.result = PassResult(stats)
        self.pipeline: GazePipeline | None = None
        self._mouse: Mouse | None = None
        self._processor: FrameProcessor | None = None

    def __enter__(self) -> ChainPass:
        if self.plan.resume_itt_after_warmup:
            itt.pause()  # so `vtune -start-paused` style collection sees steady state only
        try:
            self.pipeline = self.settings.build_pipeline()
            self._mouse = make_mouse(self.mouse_kind)
            width, height = screen_size(self.mouse_kind)
            calibration = Calibration.load(self.calibration) if self.calibration else Calibration.default(width, height)
            self._processor = FrameProcessor(self.pipeline, PointerMapper(calibration), self._mouse)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._mouse is not None:
            self._mouse.close()
            self.result.mouse_stopped = getattr(self._mouse, "stopped", None)
        if self.pipeline is not None:
            self.result.load_times = self.pipeline.load_times

    def run(self, frames: Iterator[np.ndarray], sinks: list[RegionSink], consumer: Consumer | None = None,
            progress: Progress | None = None) -> PassResult:
        """Run the frames through the chain until the plan, the input or ``consumer`` (False:
        stop) ends it; every measured frame is added to the statistics before ``consumer`` sees it."""
        assert self._processor is not None, "run() inside `with ChainPass(...)`"

        def consume(record: FrameRecord) -> bool:
            self.result.stats.add(record)
            return consumer(record) if consumer else True

        loop = FrameLoop(self._processor, self.plan, sinks, consume, progress)
        self.result.counts = loop.counts
        loop.run(frames)
        return self.result


class FinalWrites:
    """A run's final writes: each is attempted whatever happened to the others (a full disk
    fails one, the rest still write), the failures kept; ``raise_first`` ends with the first."""

    def __init__(self) -> None:
        self.failures: list[OutputError] = []

    def attempt(self, write: Callable[[], T]) -> T | None:
        """``write()``'s value, or None when it raised OutputError (kept)."""
        try:
            return write()
        except OutputError as error:
            self.failures.append(error)
            return None

    def record(self, write: Callable[[], object]) -> str:
        """Attempt ``write``; "written", or what failed (for the manifest's list of outputs)."""
        before = len(self.failures)
        self.attempt(write)
        return "written" if len(self.failures) == before else f"not written whole: {self.failures[-1]}"

    @property
    def failed(self) -> str | None:
        """The first failure's message, or None."""
        return str(self.failures[0]) if self.failures else None

    def raise_first(self) -> None:
        if self.failures:
            raise self.failures[0]


def run_session(measure: Callable[[], None], finish: Callable[[str], T]) -> T:
    """Run ``measure()``, then ``finish(stopped)`` with signals only noted from then on, whatever
    happened: ``stopped`` is COMPLETED, INTERRUPTED (Ctrl-C or SIGTERM at any moment, including
    one that arrived as the measuring ended) or ``failed: <error>`` (finish runs, then the error
    propagates). Returns what ``finish`` returns."""
    try:
        measure()
        interrupts.finishing()
    except KeyboardInterrupt:
        interrupts.finishing()
        return finish(INTERRUPTED)
    except BaseException as error:
        interrupts.finishing()
        finish(f"failed: {error}")
        raise
    return finish(INTERRUPTED if interrupts.received() is not None else COMPLETED)
