"""Run a scenario: every variant of its sweep, under its load and pacing, into a run directory.

ITT regions, resource sampling and the trace are on by default. Warm-up frames run first and are
left out of the numbers; with ``itt_pause_until_warmup`` ITT collection is paused while models
load and warm up, so ``vtune -start-paused`` profiles steady state only. Ctrl-C or SIGTERM
(KeyboardInterrupt) ends the run cleanly: everything measured so far is written, marked incomplete.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perfharness.frame_loop import FrameProcessor
from perfharness.gaze.mouse import make_mouse, screen_size
from perfharness.gaze.pipeline import build_pipeline
from perfharness.gaze.pointer import Calibration, PointerMapper
from perfharness.instrument import Regions, itt
from perfharness.instrument.resources import ResourceSampler
from perfharness.instrument.capture import TraceCapture
from perfharness.latency import summarise
from perfharness.scenario.definition import Scenario, Variant, variants
from perfharness.scenario.feed import FrameFeed
from perfharness.scenario.load import background_load
from perfharness.scenario.progress import Progress
from perfharness.scenario.rundir import manifest, write_json
from perfharness.zoo.cache import cache_root


@dataclass
class RunOptions:
    run_dir: Path
    frames: int | None = None  # overrides the scenario's frames (and drops its duration)
    trace: bool = True
    resources: bool = True
    itt: bool = True
    itt_pause_until_warmup: bool = False
    progress: bool = True
    resources_interval_s: float = 0.1


@dataclass
class _Frame:
    t: float
    result: Any
    target: tuple[int, int] | None
    timings: dict[str, float]


@dataclass
class _VariantRun:
    frames: list[_Frame] = field(default_factory=list)
    dropped: int = 0
    t_start: float = 0.0
    t_end: float = 0.0
    models: dict[str, dict[str, float | None]] = field(default_factory=dict)


class ScenarioRunner:
    """Runs the variants of one scenario and writes the run directory as it goes."""

    def __init__(self, scenario: Scenario, options: RunOptions) -> None:
        self.scenario, self.options = scenario, options
        self.run_dir = Path(options.run_dir)
        self.trace = TraceCapture(options.itt) if options.trace else None
        self.itt = itt.IttSink() if options.itt else None
        self.sinks = (self.trace.sinks if self.trace else []) + ([self.itt] if self.itt else [])
        self.progress = Progress(options.progress)
        self.results: list[dict[str, Any]] = []
        self.checks: list[dict[str, Any]] = []

    def run(self) -> dict[str, Any]:
        """Run everything; returns metrics.json's content (also written, with the other files)."""
        started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        config = self.scenario.resolved()
        write_json(self.run_dir / "manifest.json", manifest(config, self.scenario.description, False, started))
        feed = FrameFeed(self.scenario.input)
        sampler = ResourceSampler(self.run_dir / "resources.csv", self.options.resources_interval_s) if self.options.resources else None
        complete = False
        if sampler:
            sampler.start()
        try:
            for variant in variants(self.scenario):
                self._run_variant(variant, feed, sampler)
            complete = True
        except KeyboardInterrupt:
            pass
        finally:
            if sampler:
                sampler.stop()
                for result in self.results:
                    result["resources"] = sampler.summary(result["t_start"], result["t_end"]).as_dict()
            metrics = {"complete": complete, "scenario": self.scenario.name, "variants": self.results, "checks": self.checks}
            write_json(self.run_dir / "metrics.json", metrics)
            if self.trace:
                self.trace.write(self.run_dir / "trace.json", complete, {"scenario": self.scenario.name})
            write_json(self.run_dir / "manifest.json", manifest(config, self.scenario.description, complete, started))
            from perfharness.report import write_reports

            write_reports(self.run_dir)
        return metrics

    def _run_variant(self, variant: Variant, feed: FrameFeed, sampler: ResourceSampler | None) -> None:
        scenario = variant.scenario
        run = _VariantRun()
        label = variant.label + (f" #{variant.repeat + 1}" if self.scenario.repeats > 1 else "")
        try:
            with background_load(scenario.background_workers, scenario.memory_pressure_mb):
                if self.itt and self.options.itt_pause_until_warmup:
                    itt.pause()
                pipeline = build_pipeline(scenario.model_set, scenario.engine_config(cache_root() / "ov-model-cache"))
                mouse = make_mouse(scenario.mouse)
                mapper = PointerMapper(Calibration.default(*screen_size(scenario.mouse)))
                lock = threading.Lock()
                processors = [FrameProcessor(pipeline if k == 0 else pipeline.clone(), mapper, mouse, lock)
                              for k in range(scenario.in_flight)]
                try:
                    self._frames(scenario, processors, feed, run, label)
                finally:
                    mouse.close()
                    run.models = {name: {"read_s": t.read_s, "compile_s": t.compile_s, "first_inference_s": t.first_infer_s}
                                  for name, t in pipeline.load_times.items()}
        finally:
            if run.t_end == 0.0:
                run.t_end = time.perf_counter()
            self._record(variant, run, feed)

    def _frames(self, scenario: Scenario, processors: list[FrameProcessor], feed: FrameFeed, run: _VariantRun,
                label: str) -> None:
        """Warm up, then feed frames (paced or flat out) until the frame count or duration is reached."""
        wanted = self.options.frames or scenario.frames
        duration = None if self.options.frames else scenario.duration_s
        if wanted is None and duration is None:
            wanted = len(feed.labels) if feed.labels else 1  # one pass of the sample, or one frame of an image
        regions = [Regions(self.sinks) for _ in processors]
        frames = iter(feed)
        period = 1.0 / scenario.pacing_fps if scenario.pacing_fps else None
        for index in range(scenario.warmup_frames):
            processors[0].process(next(frames), index, regions[0])
            regions[0].take()
        if self.itt and self.options.itt_pause_until_warmup:
            itt.resume()
        pool = ThreadPoolExecutor(len(processors)) if len(processors) > 1 else None
        pending: deque[tuple[Future, dict[str, float]]] = deque()
        local = threading.local()
        counter = iter(range(len(processors)))

        def work(frame, index: int) -> _Frame:
            if not hasattr(local, "slot"):
                local.slot = next(counter)
            start = time.perf_counter()
            result, target = processors[local.slot].process(frame, index, regions[local.slot])
            return _Frame(start, result, target, regions[local.slot].take())

        reader = Regions(self.sinks)  # source.read happens on this thread
        run.t_start = time.perf_counter()
        fed = 0
        try:
            while (wanted is None or fed + run.dropped < wanted) and (
                    duration is None or time.perf_counter() - run.t_start < duration):
                with reader.region("source.read"):
                    frame = next(frames, None)
                if frame is None:
                    break
                index = scenario.warmup_frames + fed + run.dropped
                if period is not None:
                    due = run.t_start + (fed + run.dropped) * period
                    late = time.perf_counter() - due
                    if late > period:
                        run.dropped += 1
                        reader.take()
                        continue
                    if late < 0:
                        time.sleep(-late)
                read = reader.take()
                if pool is None:
                    run.frames.append(_with_read(work(frame, index), read))
                else:
                    pending.append((pool.submit(work, frame, index), read))
                    if len(pending) >= len(processors):
                        future, read = pending.popleft()
                        run.frames.append(_with_read(future.result(), read))
                fed += 1
                self.progress.update(label, fed, wanted, fed / max(time.perf_counter() - run.t_start, 1e-9))
            while pending:
                future, read = pending.popleft()
                run.frames.append(_with_read(future.result(), read))
        finally:
            run.t_end = time.perf_counter()
            if pool:
                pool.shutdown(wait=True, cancel_futures=True)

    def _record(self, variant: Variant, run: _VariantRun, feed: FrameFeed) -> None:
        wall = max(run.t_end - run.t_start, 1e-9)
        results = [frame.result for frame in run.frames]
        found = sum(1 for result in results if result.face_found)
        entry = {
            "label": variant.label,
            "params": variant.params,
            "repeat": variant.repeat,
            "frames": len(run.frames),
            "warmup_frames": variant.scenario.warmup_frames,
            "wall_s": wall,
            "fps": len(run.frames) / wall,
            "dropped_frames": run.dropped,
            "detection_rate": found / len(results) if results else 0.0,
            "regions": summarise(frame.timings for frame in run.frames),
            "models": run.models,
            "t_start": run.t_start,
            "t_end": run.t_end,
            "per_frame": {
                "t": [frame.t for frame in run.frames],
                "frame_s": [frame.timings.get("frame", 0.0) for frame in run.frames],
                "face_found": [result.face_found for result in results],
            },
        }
        self.results.append(entry)
        self.progress.finish(variant.label, len(run.frames), entry["fps"], run.dropped)
        view = {
            "variant": entry,
            "frames": results,
            "moves": [(frame.result.frame_index, *frame.target) for frame in run.frames if frame.target],
            "labels": {frame.result.frame_index: feed.label(frame.result.frame_index) for frame in run.frames}
            if feed.labels else None,
        }
        for check in variant.scenario.checks:
            passed, detail = check(view)
            self.checks.append({"name": f"{check.__name__} [{variant.label}]", "passed": bool(passed), "detail": detail})


def _with_read(frame: _Frame, read: dict[str, float]) -> _Frame:
    frame.timings = {**read, **frame.timings}
    return frame


def run_scenario(scenario: Scenario, options: RunOptions) -> dict[str, Any]:
    """Run ``scenario`` into ``options.run_dir``; see the module docstring."""
    os.makedirs(options.run_dir, exist_ok=True)
    return ScenarioRunner(scenario, options).run()
