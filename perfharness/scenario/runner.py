"""Run a scenario: every variant of its sweep, under its load and pacing, into a run directory.

ITT regions, resource sampling and the trace are on by default. Warm-up frames run first and are
left out of the numbers; with ``itt_pause_until_warmup`` ITT collection is paused while models
load and warm up, so ``vtune -start-paused`` profiles steady state only.

Per-frame data never accumulates in memory: each measured frame updates streaming statistics
and appends a row to ``frames.csv``, which checks read back. An interrupt (Ctrl-C, SIGTERM) at
any moment after the run directory exists, or an error, still writes every file, marked
incomplete; the manifest names each output and whether it was written.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perfharness.core import interrupts
from perfharness.gaze.mouse import make_mouse, screen_size
from perfharness.gaze.pipeline import build_pipeline
from perfharness.gaze.pointer import Calibration, PointerMapper
from perfharness.instrument import itt
from perfharness.instrument.resources import summarise_resources
from perfharness.results.frames import FrameLog
from perfharness.results.rundir import (
    create_run_dir,
    ensure_run_dir,
    manifest,
    write_json,
)
from perfharness.run.frame import FrameProcessor
from perfharness.run.instruments import FrameStats, Instruments
from perfharness.run.loop import FrameLoop, LoopCounts, LoopPlan
from perfharness.scenario.definition import Scenario, Variant, variants
from perfharness.scenario.feed import FrameFeed
from perfharness.scenario.load import background_load, opencv_threads
from perfharness.scenario.progress import Progress
from perfharness.scenario.view import VariantView
from perfharness.zoo.cache import cache_root

OUTPUTS = ("metrics.json", "frames.csv", "resources.csv", "trace.json", "report.html", "report.md")


@dataclass
class RunOptions:
    out: Path = Path("reports")  # where a new run directory is created
    run_dir: Path | None = None  # use this one instead (created if missing)
    trace: bool = True
    resources: bool = True
    itt: bool = True
    itt_pause_until_warmup: bool = False
    progress: bool = True
    resources_interval_s: float = 0.1


class ScenarioRunner:
    """Runs the variants of one scenario and writes the run directory as it goes."""

    def __init__(self, scenario: Scenario, options: RunOptions) -> None:
        self.scenario, self.options = scenario, options
        self.run_dir: Path | None = None
        self.instruments: Instruments | None = None
        self.frame_log: FrameLog | None = None
        self.progress = Progress(options.progress)
        self.started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self.results: list[dict[str, Any]] = []
        self.checks: list[dict[str, Any]] = []
        self.trace_summary: dict[str, Any] | None = None
        self.outputs = {name: "pending: written when the run ends" for name in OUTPUTS}
        self.outputs["frames.csv"] = "being written: a row per measured frame"
        if options.resources:
            self.outputs["resources.csv"] = "being written: a row per sample"
        else:
            self.outputs["resources.csv"] = "absent: resource sampling off (--no-resources)"
        if options.trace:
            self.outputs["trace.json"] = "pending: written when the run ends; its events are in .trace.json.*.log until then"
        else:
            self.outputs["trace.json"] = "absent: no trace asked for (--no-trace)"

    def run(self, announce=None) -> dict[str, Any]:
        """Run everything; returns metrics.json's content (also written, with the other files).
        ``announce(run_dir)`` is called once the run directory exists."""
        stopped = "completed"
        try:
            with interrupts.deferred():  # a directory is created whole, with its manifest, or not at all
                self.run_dir = (ensure_run_dir(self.options.run_dir) if self.options.run_dir
                                else create_run_dir(self.options.out, self.scenario.name))
                write_json(self.run_dir / "manifest.json", self._manifest(complete=False, stopped="running"))
            if announce:
                announce(self.run_dir)
            self._measure()
            interrupts.finishing()
        except KeyboardInterrupt:
            interrupts.finishing()
            if self.run_dir is None:
                raise
            stopped = "interrupted"
        except BaseException as error:
            interrupts.finishing()
            if self.run_dir is not None:
                self._finish(complete=False, stopped=f"failed: {error}")
            raise
        return self._finish(complete=stopped != "interrupted", stopped=stopped)

    def _measure(self) -> None:
        run_dir, options = self.run_dir, self.options
        trace = run_dir / "trace.json" if options.trace else None
        if trace and options.itt:
            from perfharness.instrument.capture import attach_collector

            attach_collector(trace)  # before OpenVINO's first ITT call
        self.instruments = Instruments(options.itt, trace, run_dir / "resources.csv" if options.resources else None,
                                       options.resources_interval_s)
        self.frame_log = FrameLog(run_dir / "frames.csv")
        feed = FrameFeed(self.scenario.input)
        self.instruments.start()
        for variant in variants(self.scenario):
            self._run_variant(variant, feed)

    def _run_variant(self, variant: Variant, feed: FrameFeed) -> None:
        scenario = variant.scenario
        name = variant.label + (f" #{variant.repeat + 1}" if self.scenario.repeats > 1 else "")
        stats = FrameStats(name, self.frame_log)
        loop_counts, models = LoopCounts(), {}
        pause_itt = bool(self.instruments.itt and self.options.itt_pause_until_warmup)
        try:
            with background_load(scenario.background_workers, scenario.memory_pressure_mb), \
                    opencv_threads(scenario.opencv_threads):
                if pause_itt:
                    itt.pause()
                pipeline = build_pipeline(scenario.model_set, scenario.engine_config(cache_root() / "ov-model-cache"),
                                          tracking=scenario.tracking, eye_batch=scenario.eye_batch)
                mouse = make_mouse(scenario.mouse)
                try:
                    mapper = PointerMapper(Calibration.default(*screen_size(scenario.mouse)))
                    processor = FrameProcessor(pipeline, mapper, mouse)
                    loop = FrameLoop(processor, self._plan(scenario, feed, pause_itt), self.instruments.sinks,
                                     lambda record: stats.add(record) or True,
                                     lambda done, fps: self.progress.update(name, done, scenario.frames, fps))
                    loop_counts = loop.counts
                    loop.run(iter(feed))
                finally:
                    mouse.close()
                    models = {model: {"read_s": t.read_s, "compile_s": t.compile_s, "first_inference_s": t.first_infer_s}
                              for model, t in pipeline.load_times.items()}
        finally:
            if loop_counts.t_end == 0.0:
                loop_counts.t_start = loop_counts.t_end = time.perf_counter()
            self._record(variant, name, stats, loop_counts, models, feed)

    @staticmethod
    def _plan(scenario: Scenario, feed: FrameFeed, resume_itt: bool) -> LoopPlan:
        frames, duration = scenario.frames, None if scenario.frames else scenario.duration_s
        if frames is None and duration is None:
            frames = len(feed.labels) if feed.labels else 1  # one pass of the sample, or one frame of an image
        return LoopPlan(frames=frames, duration_s=duration, warmup_frames=scenario.warmup_frames,
                        pacing_fps=scenario.pacing_fps, in_flight=scenario.in_flight, resume_itt_after_warmup=resume_itt)

    def _record(self, variant: Variant, name: str, stats: FrameStats, counts: LoopCounts,
                models: dict[str, Any], feed: FrameFeed) -> None:
        entry = {
            "label": variant.label,
            "name": name,
            "params": variant.params,
            "repeat": variant.repeat,
            "frames": stats.frames,
            "warmup_frames": counts.warmup,
            "wall_s": counts.wall_s,
            "fps": counts.fps,
            "dropped_frames": counts.dropped,
            "stopped": counts.stopped,
            "detection_rate": stats.detection_rate,
            "regions": stats.regions.summary(),
            "models": models,
            "t_start": counts.t_start,
            "t_end": counts.t_end,
        }
        self.results.append(entry)
        self.progress.finish(name, stats.frames, counts.fps, counts.dropped)
        resources = self.run_dir / "resources.csv" if self.options.resources else None
        view = VariantView(entry, self.run_dir / "frames.csv", resources, feed.labels)
        for check in variant.scenario.checks:
            passed, detail = check(view)
            self.checks.append({"name": f"{check.__name__} [{name}]", "passed": bool(passed), "detail": detail})
        write_json(self.run_dir / "metrics.json", self._metrics(complete=False))  # what a killed run keeps

    def _metrics(self, complete: bool) -> dict[str, Any]:
        return {"complete": complete, "scenario": self.scenario.name, "run_dir": str(self.run_dir),
                "variants": self.results, "checks": self.checks, "trace": self.trace_summary}

    def _manifest(self, complete: bool, stopped: str) -> dict[str, Any]:
        data = manifest(self.scenario.resolved(), self.scenario.description, complete, self.started)
        data.update(stopped=stopped, outputs=dict(self.outputs))
        return data

    def _finish(self, complete: bool, stopped: str) -> dict[str, Any]:
        """Write every output (signals are only noted by now); the manifest last, so that a run
        killed on the way still says incomplete."""
        from perfharness.report import write_reports

        if self.frame_log:
            self.frame_log.close()
            self.outputs["frames.csv"] = "written"
        else:
            self.outputs["frames.csv"] = "absent: the run stopped before its first frame"
        if self.instruments:
            self.instruments.stop_sampling()
            if self.instruments.sampler:
                self.outputs["resources.csv"] = "written"
                for result in self.results:
                    result["resources"] = summarise_resources(self.run_dir / "resources.csv", result["t_start"],
                                                              result["t_end"]).as_dict()
        elif self.options.resources:
            self.outputs["resources.csv"] = "absent: the run stopped before sampling started"
        if self.instruments and self.instruments.trace:
            self.trace_summary = self.instruments.write_trace(complete, {"scenario": self.scenario.name}).as_dict()
            self.outputs["trace.json"] = "written"
        elif self.options.trace:
            self.outputs["trace.json"] = "absent: the run stopped before tracing started"
        metrics = self._metrics(complete)
        write_json(self.run_dir / "metrics.json", metrics)
        self.outputs["metrics.json"] = self.outputs["report.html"] = self.outputs["report.md"] = "written"
        final = self._manifest(complete, stopped)
        write_reports(self.run_dir, manifest=final)
        write_json(self.run_dir / "manifest.json", final)
        return metrics


def run_scenario(scenario: Scenario, options: RunOptions, announce=None) -> dict[str, Any]:
    """Run ``scenario`` into a run directory; see the module docstring."""
    return ScenarioRunner(scenario, options).run(announce)
